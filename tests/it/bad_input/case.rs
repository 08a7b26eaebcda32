//! One bad-input case: what it runs, what it puts on disk first, what it expects.

/// One bad input.
pub struct Case {
    pub name: String,
    pub args: Vec<String>,
    pub env: Vec<(String, String)>,
    pub setup: Vec<Setup>,
    /// Pass the tripwire as --endpoint-url (off when the case sets its own).
    pub endpoint: bool,
    pub exit: i32,
    pub words: Vec<String>,
}

/// What a case puts on disk first (paths relative to the test's root; the
/// gatewalk home is `gw/`).
#[derive(Clone)]
pub enum Setup {
    /// A valid session of this name, made by gatewalk's own store.
    Session(&'static str),
    /// A file with these bytes.
    File(&'static str, Vec<u8>),
    /// A symbolic link `link` → `target`.
    Link(&'static str, &'static str),
    /// A directory.
    Dir(&'static str),
    /// A copy of a file made by an earlier setup step: `from` → `to`.
    Copy(&'static str, &'static str),
}

pub fn case(name: impl Into<String>, exit: i32, words: &[&str], args: &[&str]) -> Case {
    Case {
        name: name.into(),
        args: args.iter().map(std::string::ToString::to_string).collect(),
        env: vec![],
        setup: vec![],
        endpoint: true,
        exit,
        words: words.iter().map(std::string::ToString::to_string).collect(),
    }
}

impl Case {
    pub fn env(mut self, k: &str, v: &str) -> Self {
        self.env.push((k.into(), v.into()));
        self
    }
    pub fn with(mut self, s: Setup) -> Self {
        self.setup.push(s);
        self
    }
    pub fn own_endpoint(mut self) -> Self {
        self.endpoint = false;
        self
    }
}

pub fn s(x: &str) -> String {
    x.to_string()
}
