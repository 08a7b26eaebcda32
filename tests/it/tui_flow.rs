//! The wizard driven through its message channel against the emulator, as a
//! user would: new session, configure, apply each step, see the checks pass,
//! quit and resume, reach the done screen, tear down. And: with every AWS call
//! slowed down, keys are still handled and frames drawn while a step applies.

use crate::common;

use common::{REGION, World};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use gatewalk::aws::AwsOptions;
use gatewalk::session::StepStatus;
use gatewalk::steps::engine::blocking;
use gatewalk::steps::{CheckStatus, StepId};
use gatewalk::tui::app::{App, Config, Conn, Load, Screen, Tab};
use gatewalk::tui::keys::KeyTable;
use gatewalk::tui::msg::Msg;
use gatewalk::tui::view;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use std::time::{Duration, Instant};
use tokio::sync::mpsc::UnboundedReceiver;

pub(crate) struct Harness {
    pub(crate) app: App,
    pub(crate) rx: UnboundedReceiver<Msg>,
    term: Terminal<TestBackend>,
}

impl Harness {
    pub(crate) fn new(w: &World, session: Option<&str>, delay: Option<Duration>) -> Self {
        let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
        let config = Config {
            home: w.home.path().to_path_buf(),
            opts: AwsOptions {
                profile: None,
                region: Some(REGION.into()),
                endpoint_url: Some(w.moto.endpoint()),
                static_credentials: Some(("testing".into(), "testing".into())),
                call_delay: delay,
                app_name: None,
            },
            sandbox: false,
            pace: None,
            session: session.map(str::to_string),
            keys: KeyTable::default(),
            notice: None,
            engine: &gatewalk::steps::ENGINE,
        };
        let mut app = App::new(config, tx);
        app.start();
        Self {
            app,
            rx,
            term: Terminal::new(TestBackend::new(100, 30)).unwrap(),
        }
    }

    /// A terminal big enough to show a whole Checks tab.
    pub(crate) fn tall(&mut self) {
        self.term = Terminal::new(TestBackend::new(200, 120)).unwrap();
    }

    pub(crate) fn screen(&mut self) -> String {
        self.term.draw(|f| view::draw(&self.app, f)).unwrap();
        self.term.backend().to_string()
    }

    pub(crate) fn press(&mut self, code: KeyCode) {
        self.app
            .handle(Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)));
        self.screen();
    }

    pub(crate) fn chars(&mut self, text: &str) {
        for c in text.chars() {
            self.press(KeyCode::Char(c));
        }
    }

    /// Handles messages (and draws) until `cond` holds.
    pub(crate) async fn until(&mut self, what: &str, limit: Duration, cond: impl Fn(&App) -> bool) {
        let start = Instant::now();
        while !cond(&self.app) {
            if start.elapsed() >= limit {
                let screen = self.screen();
                panic!(
                    "timed out waiting for {what}; notice: {:?}\n{screen}",
                    self.app.notice
                );
            }
            if let Ok(Some(m)) =
                tokio::time::timeout(Duration::from_millis(100), self.rx.recv()).await
            {
                self.app.handle(m);
            } else {
                self.app.handle(Msg::Tick);
            }
            self.screen();
        }
    }

    /// From the Configure tab of step 1: focuses the form, moves to `field`
    /// and starts editing it with its `old` value erased.
    pub(crate) fn edit_field(&mut self, field: &str, old: &str) {
        self.press(KeyCode::Char('l'));
        let at = gatewalk::steps::inputs::Inputs::fields(StepId::TaskDefinition)
            .iter()
            .position(|f| f.name == field)
            .unwrap();
        for _ in 0..at {
            self.press(KeyCode::Char('j'));
        }
        self.press(KeyCode::Enter);
        for _ in old.chars() {
            self.press(KeyCode::Backspace);
        }
    }

    pub(crate) fn status(&self, step: StepId) -> StepStatus {
        self.app
            .wizard()
            .map(|w| w.session.status(step))
            .unwrap_or_default()
    }

    /// Applies the selected step with `a` and waits until it is done and its
    /// checks are green (emulator caveats skipped, never passed).
    pub(crate) async fn apply(&mut self, step: StepId) {
        assert_eq!(self.app.wizard().unwrap().selected, step);
        self.press(KeyCode::Char('a'));
        self.until(&format!("step {step}"), Duration::from_secs(120), |a| {
            a.wizard().is_some_and(|w| w.job.is_none())
        })
        .await;
        assert_eq!(
            self.status(step),
            StepStatus::Done,
            "{step}: {:?}",
            self.app.notice
        );
        let w = self.app.wizard().unwrap();
        let Some(Load::Ready(checks, _)) = w.checks.get(&step) else {
            panic!("no checks for {step}");
        };
        assert!(blocking(checks).is_empty(), "{checks:#?}");
        assert!(
            checks
                .iter()
                .filter(|c| c.status == CheckStatus::Skipped)
                .all(|c| c.observed.contains("emulator"))
        );
    }
}

const MIN: Duration = Duration::from_secs(60);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[expect(clippy::too_many_lines, reason = "one scenario told in order")]
async fn a_new_user_walks_all_ten_steps_quits_resumes_and_tears_down() {
    let w = World::new().await;
    let mut h = Harness::new(&w, None, None);
    h.until("the connection", MIN, |a| {
        matches!(a.conn, Conn::Ready(_)) && a.identity.is_some()
    })
    .await;
    assert!(h.screen().contains("No sessions yet"));

    // A bad name is refused as it is typed; a good one opens the wizard.
    h.press(KeyCode::Char('n'));
    h.chars("Flow!");
    assert!(h.screen().contains("letters"), "{}", h.screen());
    h.press(KeyCode::Backspace);
    h.press(KeyCode::Backspace);
    h.press(KeyCode::Backspace);
    h.press(KeyCode::Backspace);
    h.press(KeyCode::Backspace);
    h.chars("flow");
    h.press(KeyCode::Enter);
    h.until("the wizard", MIN, |a| matches!(a.screen, Screen::Wizard(_)))
        .await;

    // Configure step 1: memory 700 is refused as typed, 1024 is saved.
    h.press(KeyCode::Tab);
    assert_eq!(h.app.wizard().unwrap().tab, Tab::Configure);
    h.edit_field("memory", "512");
    h.chars("700");
    assert!(h.app.wizard().unwrap().form.error.is_some());
    assert!(h.screen().contains("does not pair"), "{}", h.screen());
    for _ in 0..3 {
        h.press(KeyCode::Backspace);
    }
    h.chars("1024");
    assert!(h.app.wizard().unwrap().form.error.is_none());
    h.press(KeyCode::Enter);
    let saved = w.store.load("flow").unwrap();
    assert_eq!(
        saved.step(StepId::TaskDefinition).inputs.as_ref().unwrap()["memory"],
        1024
    );
    h.press(KeyCode::Char('h'));

    // Steps 1–3, then quit.
    for step in &StepId::ALL[..3] {
        h.apply(*step).await;
    }
    let said = h.app.notice.as_ref().unwrap().text().to_string();
    assert!(said.starts_with("step 3 done — created"), "{said}");
    assert!(said.ends_with("step 4 is next"), "{said}");
    h.press(KeyCode::Char('q'));
    assert!(h.app.quit);
    drop(h);

    // Run again: land on step 4, the done steps re-checked in the background.
    let mut h = Harness::new(&w, Some("flow"), None);
    h.until("the resumed session", MIN, |a| {
        a.wizard().is_some_and(|w| {
            (0..3).all(|i| matches!(w.checks.get(&StepId::ALL[i]), Some(Load::Ready(..))))
        })
    })
    .await;
    assert_eq!(h.app.wizard().unwrap().selected, StepId::LoadBalancer);
    // A later step is locked.
    h.press(KeyCode::Char('j'));
    h.press(KeyCode::Char('a'));
    assert!(h.app.wizard().unwrap().job.is_none());
    assert!(h.screen().contains("locked"));
    h.press(KeyCode::Char('k'));
    for step in &StepId::ALL[3..] {
        h.apply(*step).await;
    }
    let screen = h.screen();
    assert!(h.app.wizard().unwrap().done_screen, "{screen}");
    assert!(
        screen.contains("execute-api.us-east-1.amazonaws.com/prod/"),
        "{screen}"
    );
    assert!(screen.contains("Smoke test"), "{screen}");
    assert!(screen.contains("/hour"), "{screen}");

    // The Live tab of step 9 lists the API.
    h.press(KeyCode::Esc);
    h.press(KeyCode::Char('k'));
    for _ in 0..4 {
        h.press(KeyCode::Tab);
    }
    h.until("live resources", MIN, |a| {
        a.wizard()
            .is_some_and(|w| matches!(w.live.get(&StepId::RestApi), Some(Load::Ready(..))))
    })
    .await;
    assert!(h.screen().contains("REST API"));

    // Teardown needs the session name typed.
    h.press(KeyCode::Char('T'));
    h.chars("flo");
    h.press(KeyCode::Enter);
    assert!(
        h.app.wizard().unwrap().job.is_none(),
        "a wrong name deletes nothing"
    );
    h.chars("w");
    h.press(KeyCode::Enter);
    h.until("the teardown", Duration::from_secs(120), |a| {
        a.wizard().is_some_and(|w| w.job.is_none())
    })
    .await;
    assert!(
        h.app.notice.as_ref().is_some_and(|n| n
            .text()
            .contains("nothing tagged gatewalk:session=flow remains")),
        "{:?}",
        h.app.notice
    );
    assert!(w.inventory("flow").await.is_empty());

    // The same session applies again after teardown (a fresh task definition,
    // not the deregistered one): all ten steps turn green again. Esc leaves the
    // done screen that showed the teardown.
    h.press(KeyCode::Esc);
    h.press(KeyCode::Char('h'));
    for _ in 0..10 {
        h.press(KeyCode::Char('k'));
    }
    for step in StepId::ALL {
        h.apply(step).await;
    }
    assert!(h.app.wizard().unwrap().done_screen, "{}", h.screen());
    h.press(KeyCode::Char('q'));
    assert!(h.app.quit);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keys_and_frames_keep_flowing_while_aws_is_slow() {
    let w = World::new().await;
    let mut h = Harness::new(&w, Some("slow"), Some(Duration::from_millis(150)));
    h.until("the session", MIN, |a| {
        matches!(a.screen, Screen::Wizard(_))
    })
    .await;
    h.press(KeyCode::Char('a'));
    assert!(h.app.wizard().unwrap().job.is_some());
    let mut handled = 0;
    let mut frames = 0;
    // Each call of step 1 takes at least 150 ms and the step makes several,
    // so the UI has time to prove it is not waiting on them.
    while h.app.wizard().is_some_and(|w| w.job.is_some()) {
        let before = (
            h.app.wizard().unwrap().selected,
            h.app.wizard().unwrap().tab,
        );
        let key = if handled % 2 == 0 {
            KeyCode::Char('j')
        } else {
            KeyCode::Char('k')
        };
        h.press(key);
        frames += 1;
        let after = (
            h.app.wizard().unwrap().selected,
            h.app.wizard().unwrap().tab,
        );
        if before != after {
            handled += 1;
        }
        while let Ok(m) = h.rx.try_recv() {
            h.app.handle(m);
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(
        handled >= 10,
        "only {handled} keys took effect while the step applied"
    );
    assert!(frames >= 10);
    assert_eq!(h.status(StepId::TaskDefinition), StepStatus::Done);
}
