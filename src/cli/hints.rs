//! The `gatewalk …` commands the CLI prints for its user to run next: each
//! names the session it is about (`--session NAME`, and `--sandbox` for a
//! session in the local sandbox), so it works as printed however many
//! sessions there are by then.

use super::commands::DEFAULT_SESSION;
use crate::session::Store;

/// The subcommands that act on one session: a printed one needs its name.
const SESSION_COMMANDS: [&str; 8] = [
    "apply", "plan", "validate", "inspect", "teardown", "status", "inputs", "logs",
];

/// How printed commands name the session they are about. Copied into every
/// [`super::output::Printer`] of the run, so it is `Copy`: its text is made
/// once per process and kept for the process's life.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Scope {
    flags: Option<&'static str>,
}

impl Scope {
    /// Printed commands about session `name` (in the local sandbox when `sandbox`).
    pub fn of(name: &str, sandbox: bool) -> Self {
        let mut flags = format!("--session {name}");
        if sandbox {
            flags.push_str(" --sandbox");
        }
        // One short string per process (a CLI run is about one session).
        Self {
            flags: Some(Box::leak(flags.into_boxed_str())),
        }
    }

    /// Printed commands with these flags (`--sandbox` for a first session).
    pub const fn with_flags(flags: &'static str) -> Self {
        Self { flags: Some(flags) }
    }

    /// The command line for `args` (`apply --through nat-gateway`): the
    /// program, this scope's flags, then `args`.
    pub fn cmd(self, args: &str) -> String {
        let program = std::env::var("GATEWALK_CMD").unwrap_or_else(|_| "gatewalk".into());
        match self.flags {
            Some(f) => format!("{program} {f} {args}"),
            None => format!("{program} {args}"),
        }
    }

    /// `text` with this scope's flags put into every quoted `` `gatewalk
    /// apply …` `` (and the other session commands) that does not name a
    /// session yet. Engine messages and errors say `` `gatewalk apply` ``;
    /// the CLI, which knows the session, makes them runnable as printed.
    pub fn qualify(self, text: &str) -> String {
        const MARK: &str = "`gatewalk ";
        let Some(flags) = self.flags else {
            return text.to_string();
        };
        let mut out = String::with_capacity(text.len() + 32);
        let mut rest = text;
        while let Some(at) = rest.find(MARK) {
            let (head, tail) = rest.split_at(at + MARK.len());
            out.push_str(head);
            let word = tail
                .split(|c: char| c.is_whitespace() || c == '`')
                .next()
                .unwrap_or("");
            if SESSION_COMMANDS.contains(&word) {
                out.push_str(flags);
                out.push(' ');
            }
            rest = tail;
        }
        out.push_str(rest);
        out
    }
}

/// A name for a new session that no session here has yet: `demo`, else
/// `demo-2`, `demo-3`, ….
pub fn free_name(store: &Store) -> String {
    if !store.exists(DEFAULT_SESSION) {
        return DEFAULT_SESSION.to_string();
    }
    (2..10_000u32)
        .map(|n| format!("{DEFAULT_SESSION}-{n}"))
        .find(|n| !store.exists(n))
        .unwrap_or_else(|| DEFAULT_SESSION.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn printed_commands_name_the_session() {
        let s = Scope::of("blue", true);
        assert_eq!(
            s.qualify("hint: run `gatewalk apply --through vpc-link`; `gatewalk sessions` lists them; `gatewalk --session x teardown`"),
            "hint: run `gatewalk --session blue --sandbox apply --through vpc-link`; `gatewalk sessions` lists them; `gatewalk --session x teardown`"
        );
        assert_eq!(
            s.qualify("`gatewalk validate`"),
            "`gatewalk --session blue --sandbox validate`"
        );
        assert_eq!(
            Scope::default().qualify("`gatewalk apply`"),
            "`gatewalk apply`"
        );
    }
}
