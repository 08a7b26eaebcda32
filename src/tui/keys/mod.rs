//! Keys are data: one table of actions, their default keys (k9s / lazygit
//! conventions) and where they apply. The footer and the `?` overlay are
//! generated from it, and `keys.toml` in the config directory overrides it.

mod key;

pub use key::Key;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Where a key does something.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Context {
    /// Everywhere.
    Global,
    /// The session picker.
    Picker,
    /// The wizard (sidebar and tabs).
    Wizard,
    /// The done screen.
    Done,
}

/// Everything a key can do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Action {
    /// Leave gatewalk (asks first while a step runs).
    Quit,
    /// Show or hide the key help.
    Help,
    /// Show or hide the API call log.
    CallLog,
    /// Move up in the focused list.
    Up,
    /// Move down in the focused list.
    Down,
    /// Scroll the text up a page.
    PageUp,
    /// Scroll the text down a page.
    PageDown,
    /// Go to the top of the text.
    Top,
    /// Go to the end of the text.
    Bottom,
    /// Focus the pane to the left (the step list).
    Left,
    /// Focus the pane to the right (the tab's content).
    Right,
    /// Next tab.
    NextTab,
    /// Previous tab.
    PrevTab,
    /// Open the selected session, or edit the selected field.
    Select,
    /// Cancel what runs, close an overlay, or go back.
    Back,
    /// Apply the selected step.
    Apply,
    /// Re-run the selected step's checks and refresh its live resources.
    Recheck,
    /// Start a new session.
    NewSession,
    /// Delete the selected session's record (not its AWS resources).
    DeleteSession,
    /// Switch to the local sandbox.
    Sandbox,
    /// Continue a deployment made elsewhere (by hand in the console).
    Adopt,
    /// Show the done screen.
    DoneScreen,
    /// Tear the whole deployment down (asks for the session name).
    Teardown,
}

impl Action {
    /// Every action, in help order.
    pub const ALL: [Action; 23] = [
        Action::Up,
        Action::Down,
        Action::PageUp,
        Action::PageDown,
        Action::Top,
        Action::Bottom,
        Action::Left,
        Action::Right,
        Action::NextTab,
        Action::PrevTab,
        Action::Select,
        Action::Back,
        Action::Apply,
        Action::Recheck,
        Action::NewSession,
        Action::DeleteSession,
        Action::Adopt,
        Action::Sandbox,
        Action::DoneScreen,
        Action::Teardown,
        Action::CallLog,
        Action::Help,
        Action::Quit,
    ];

    /// What it does, for the help overlay.
    pub fn description(self) -> &'static str {
        match self {
            Action::Quit => "quit (the session is saved; run gatewalk again to resume)",
            Action::Help => "show or hide this help",
            Action::CallLog => "show or hide the AWS API call log",
            Action::Up => "move up",
            Action::Down => "move down",
            Action::PageUp => "scroll the text up a page",
            Action::PageDown => "scroll the text down a page",
            Action::Top => "go to the top of the text",
            Action::Bottom => "go to the end of the text",
            Action::Left => "focus the step list",
            Action::Right => "focus the tab's content",
            Action::NextTab => "next tab",
            Action::PrevTab => "previous tab",
            Action::Select => "open the session / edit the field",
            Action::Back => "cancel the running wait, close, or go back",
            Action::Apply => "apply the selected step, then check it",
            Action::Recheck => "re-run checks and refresh live resources",
            Action::NewSession => "new session",
            Action::DeleteSession => "delete the session's record (AWS resources stay)",
            Action::Sandbox => "use the local sandbox instead of AWS",
            Action::Adopt => "continue a deployment made elsewhere (by hand in the console)",
            Action::DoneScreen => "the done screen: URL, smoke test, cost",
            Action::Teardown => "tear everything down (type the session name)",
        }
    }

    /// A word or two for the footer.
    pub fn short(self) -> &'static str {
        match self {
            Action::Quit => "quit",
            Action::Help => "help",
            Action::CallLog => "API log",
            Action::Up | Action::Down => "move",
            Action::PageUp | Action::PageDown => "page",
            Action::Top | Action::Bottom => "top/end",
            Action::Left | Action::Right => "pane",
            Action::NextTab | Action::PrevTab => "tab",
            Action::Select => "open/edit",
            Action::Back => "back",
            Action::Apply => "apply",
            Action::Recheck => "re-check",
            Action::NewSession => "new",
            Action::DeleteSession => "delete",
            Action::Sandbox => "sandbox",
            Action::Adopt => "adopt",
            Action::DoneScreen => "done",
            Action::Teardown => "teardown",
        }
    }

    /// Where the action applies.
    pub fn contexts(self) -> &'static [Context] {
        use Context::*;
        match self {
            Action::Quit | Action::Help | Action::CallLog | Action::Up | Action::Down => &[Global],
            Action::Select | Action::Back => &[Global],
            Action::Left | Action::Right | Action::NextTab | Action::PrevTab => &[Wizard],
            Action::PageUp | Action::PageDown | Action::Top | Action::Bottom => {
                &[Picker, Wizard, Done]
            }
            Action::Apply | Action::Recheck => &[Wizard],
            Action::NewSession | Action::DeleteSession => &[Picker],
            Action::Sandbox | Action::Adopt => &[Picker],
            Action::DoneScreen => &[Wizard],
            Action::Teardown => &[Wizard, Done],
        }
    }

    /// Shown in the footer of `ctx` (the rest are in the help overlay).
    pub fn in_footer(self, ctx: Context) -> bool {
        match ctx {
            Context::Picker => matches!(
                self,
                Action::Select
                    | Action::NewSession
                    | Action::DeleteSession
                    | Action::Adopt
                    | Action::Sandbox
                    | Action::Help
                    | Action::Quit
            ),
            Context::Wizard => matches!(
                self,
                Action::Apply
                    | Action::Recheck
                    | Action::NextTab
                    | Action::Left
                    | Action::CallLog
                    | Action::Help
                    | Action::Quit
            ),
            Context::Done => matches!(
                self,
                Action::Teardown | Action::Back | Action::CallLog | Action::Help | Action::Quit
            ),
            Context::Global => false,
        }
    }

    fn applies_in(self, ctx: Context) -> bool {
        let c = self.contexts();
        c.contains(&Context::Global) || c.contains(&ctx)
    }
}

/// The key table: each action's keys.
#[derive(Debug, Clone)]
pub struct KeyTable {
    bindings: BTreeMap<Action, Vec<Key>>,
}

impl Default for KeyTable {
    fn default() -> Self {
        use KeyCode::*;
        let k = |a: Action, keys: &[Key]| (a, keys.to_vec());
        Self {
            bindings: BTreeMap::from([
                k(Action::Quit, &[Key::ch('q')]),
                k(Action::Help, &[Key::ch('?'), Key::plain(F(1))]),
                k(Action::CallLog, &[Key::ch('L')]),
                k(Action::Up, &[Key::plain(Up), Key::ch('k')]),
                k(Action::Down, &[Key::plain(Down), Key::ch('j')]),
                k(Action::PageUp, &[Key::plain(PageUp)]),
                k(Action::PageDown, &[Key::plain(PageDown), Key::ch(' ')]),
                k(Action::Top, &[Key::plain(Home), Key::ch('g')]),
                k(Action::Bottom, &[Key::plain(End), Key::ch('G')]),
                k(Action::Left, &[Key::plain(Left), Key::ch('h')]),
                k(Action::Right, &[Key::plain(Right), Key::ch('l')]),
                k(Action::NextTab, &[Key::plain(Tab)]),
                k(Action::PrevTab, &[Key::plain(BackTab)]),
                k(Action::Select, &[Key::plain(Enter)]),
                k(Action::Back, &[Key::plain(Esc)]),
                k(Action::Apply, &[Key::ch('a')]),
                k(Action::Recheck, &[Key::ch('r')]),
                k(Action::NewSession, &[Key::ch('n')]),
                k(Action::DeleteSession, &[Key::ch('d')]),
                k(Action::Sandbox, &[Key::ch('s')]),
                k(Action::Adopt, &[Key::ch('c')]),
                k(Action::DoneScreen, &[Key::ch('D')]),
                k(Action::Teardown, &[Key::ch('T')]),
            ]),
        }
    }
}

/// An action's name as written in `keys.toml` (`call-log`).
pub fn key_name(a: Action) -> String {
    let mut out = String::new();
    for (i, c) in format!("{a:?}").chars().enumerate() {
        if c.is_ascii_uppercase() && i > 0 {
            out.push('-');
        }
        out.push(c.to_ascii_lowercase());
    }
    out
}

/// `keys.toml`: `[keys]` with `action = ["key", …]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct KeysFile {
    #[serde(default)]
    keys: BTreeMap<Action, Vec<String>>,
}

impl KeyTable {
    /// The action `e` triggers in `ctx`, if any.
    pub fn action(&self, ctx: Context, e: &KeyEvent) -> Option<Action> {
        if e.code == KeyCode::Char('c') && e.modifiers.contains(KeyModifiers::CONTROL) {
            return Some(Action::Quit); // always, whatever the table says
        }
        Action::ALL
            .into_iter()
            .filter(|a| a.applies_in(ctx))
            .find(|a| self.keys(*a).iter().any(|k| k.matches(e)))
    }

    /// The keys of an action.
    pub fn keys(&self, a: Action) -> &[Key] {
        self.bindings.get(&a).map_or(&[], Vec::as_slice)
    }

    /// `↑/k`.
    pub fn label(&self, a: Action) -> String {
        self.keys(a)
            .iter()
            .map(Key::to_string)
            .collect::<Vec<_>>()
            .join("/")
    }

    /// The first key of `a`, for prompts in the text ("press a to apply"):
    /// a rebinding changes every prompt with it.
    pub fn first(&self, a: Action) -> String {
        self.keys(a).first().map(Key::to_string).unwrap_or_default()
    }

    /// Footer entries for `ctx`: (keys, short word).
    pub fn footer(&self, ctx: Context) -> Vec<(String, &'static str)> {
        Action::ALL
            .into_iter()
            .filter(|a| a.in_footer(ctx))
            .map(|a| (self.label(a), a.short()))
            .collect()
    }

    /// Help entries for `ctx`: (keys, description).
    pub fn help(&self, ctx: Context) -> Vec<(String, &'static str)> {
        Action::ALL
            .into_iter()
            .filter(|a| a.applies_in(ctx) && !self.keys(*a).is_empty())
            .map(|a| (self.label(a), a.description()))
            .collect()
    }

    /// The defaults with the user's overrides from `text` (TOML).
    pub fn with_overrides(text: &str) -> Result<Self, String> {
        let file: KeysFile = toml::from_str(text).map_err(|e| e.to_string())?;
        let mut t = Self::default();
        for (action, keys) in file.keys {
            let parsed: Result<Vec<Key>, String> = keys.iter().map(|k| Key::parse(k)).collect();
            t.bindings.insert(action, parsed?);
        }
        t.check()?;
        Ok(t)
    }

    /// Refuses a table where a key would do two things in one place (the
    /// first in help order would silently win: `apply = ["q"]` made `q` create
    /// a VPC), where an action has no key, or where ctrl-c, which always
    /// quits, is given to another action.
    fn check(&self) -> Result<(), String> {
        const PLACES: [(Context, &str); 3] = [
            (Context::Picker, "the session list"),
            (Context::Wizard, "the wizard"),
            (Context::Done, "the done screen"),
        ];
        for a in Action::ALL {
            if self.keys(a).is_empty() {
                return Err(format!(
                    "`{}` has no key; give it at least one (e.g. keep its default `{}`)",
                    key_name(a),
                    KeyTable::default().label(a)
                ));
            }
            for k in self.keys(a) {
                if a != Action::Quit
                    && k.code == KeyCode::Char('c')
                    && k.modifiers.contains(KeyModifiers::CONTROL)
                {
                    return Err(format!(
                        "`{}` is given ctrl-c, which always quits; choose another key",
                        key_name(a)
                    ));
                }
            }
        }
        for (i, a) in Action::ALL.iter().enumerate() {
            for b in &Action::ALL[i + 1..] {
                let Some((_, place)) = PLACES
                    .iter()
                    .find(|(c, _)| a.applies_in(*c) && b.applies_in(*c))
                else {
                    continue;
                };
                if let Some(k) = self.keys(*a).iter().find(|k| self.keys(*b).contains(k)) {
                    return Err(format!(
                        "`{k}` is bound to both `{}` and `{}` (in {place}); give each its own key",
                        key_name(*a),
                        key_name(*b),
                    ));
                }
            }
        }
        Ok(())
    }

    /// Where the user's overrides live.
    pub fn config_path() -> Option<PathBuf> {
        if let Some(d) = std::env::var_os("GATEWALK_CONFIG_DIR") {
            return Some(Path::new(&d).join("keys.toml"));
        }
        directories::ProjectDirs::from("", "", "gatewalk").map(|d| d.config_dir().join("keys.toml"))
    }

    /// The defaults with the overrides at `path`; a missing file is no
    /// override, a broken one is reported and ignored.
    pub fn load(path: Option<&Path>) -> (Self, Option<String>) {
        let Some(p) = path else {
            return (Self::default(), None);
        };
        match std::fs::read_to_string(p) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => (Self::default(), None),
            Err(e) => (
                Self::default(),
                Some(format!("{}: {e}; using the default keys", p.display())),
            ),
            Ok(text) => match Self::with_overrides(&text) {
                Ok(t) => (t, None),
                Err(e) => (
                    Self::default(),
                    Some(format!("{}: {e}; using the default keys", p.display())),
                ),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(code: KeyCode) -> KeyEvent {
        KeyEvent::new(code, KeyModifiers::NONE)
    }

    #[test]
    fn defaults_follow_k9s_and_lazygit() {
        let t = KeyTable::default();
        assert_eq!(
            t.action(Context::Wizard, &ev(KeyCode::Char('j'))),
            Some(Action::Down)
        );
        assert_eq!(
            t.action(Context::Wizard, &ev(KeyCode::Up)),
            Some(Action::Up)
        );
        assert_eq!(
            t.action(Context::Wizard, &ev(KeyCode::Tab)),
            Some(Action::NextTab)
        );
        assert_eq!(t.action(Context::Picker, &ev(KeyCode::Char('a'))), None);
        assert_eq!(
            t.action(Context::Picker, &ev(KeyCode::Char('n'))),
            Some(Action::NewSession)
        );
        let shifted = KeyEvent::new(KeyCode::Char('T'), KeyModifiers::SHIFT);
        assert_eq!(t.action(Context::Done, &shifted), Some(Action::Teardown));
        let ctrl_c = KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL);
        assert_eq!(t.action(Context::Picker, &ctrl_c), Some(Action::Quit));
        assert_eq!(t.label(Action::Down), "↓/j");
    }

    #[test]
    fn every_action_has_a_key_and_help() {
        let t = KeyTable::default();
        for a in Action::ALL {
            assert!(!t.keys(a).is_empty(), "{a:?}");
            assert!(!a.description().is_empty());
        }
        let help = t.help(Context::Wizard);
        assert!(help.iter().any(|(_, d)| d.contains("apply")));
        assert!(!help.iter().any(|(_, d)| d.contains("new session")));
        assert!(!t.footer(Context::Picker).is_empty());
    }

    #[test]
    fn overrides_replace_an_actions_keys() {
        let t = KeyTable::with_overrides("[keys]\napply = [\"ctrl-a\", \"F5\"]\nquit = [\"x\"]\n")
            .unwrap();
        assert_eq!(t.label(Action::Apply), "ctrl-a/F5");
        let ctrl_a = KeyEvent::new(KeyCode::Char('a'), KeyModifiers::CONTROL);
        assert_eq!(t.action(Context::Wizard, &ctrl_a), Some(Action::Apply));
        assert_eq!(t.action(Context::Wizard, &ev(KeyCode::Char('a'))), None);
        assert_eq!(
            t.action(Context::Wizard, &ev(KeyCode::Char('x'))),
            Some(Action::Quit)
        );
        assert!(KeyTable::with_overrides("[keys]\nfly = [\"f\"]").is_err());
        assert!(KeyTable::with_overrides("[keys]\napply = [\"banana\"]").is_err());
        let (t, err) = KeyTable::load(Some(Path::new("/nonexistent/keys.toml")));
        assert!(err.is_none());
        assert_eq!(t.label(Action::Quit), "q");
    }

    #[test]
    fn shadowing_and_empty_bindings_are_refused() {
        let e = KeyTable::with_overrides("[keys]\napply = [\"q\"]").unwrap_err();
        assert!(e.contains("`q` is bound to both `apply` and `quit`"), "{e}");
        let e = KeyTable::with_overrides("[keys]\nquit = []").unwrap_err();
        assert!(e.contains("`quit` has no key"), "{e}");
        let e = KeyTable::with_overrides("[keys]\nhelp = [\"ctrl-c\"]").unwrap_err();
        assert!(e.contains("ctrl-c"), "{e}");
        // Keys of actions that never meet may repeat: `d` deletes in the
        // session list only, so the wizard may use it too.
        assert!(KeyTable::with_overrides("[keys]\nrecheck = [\"d\"]").is_ok());
        let (t, err) = KeyTable::load(None);
        assert!(err.is_none() && t.check().is_ok());
    }
}
