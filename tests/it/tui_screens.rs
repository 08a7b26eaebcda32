//! Every screen of the wizard rendered into ratatui's `TestBackend` and compared
//! with a reviewed snapshot (insta). Sessions, checks and resources are made
//! up here, so no AWS call is involved; volatile times are filtered.

use gatewalk::aws::{AwsContext, AwsOptions, Identity};
use gatewalk::progress::Event;
use gatewalk::session::{CheckSummary, StepStatus, Store};
use gatewalk::steps::{Check, Resource, StepId};
use gatewalk::tui::app::{
    App, Config, Conn, Focus, Job, JobKind, Load, Notice, Overlay, Screen, Tab, Wizard,
};
use gatewalk::tui::keys::KeyTable;
use gatewalk::tui::msg::{Connection, Msg, Req, SessionRow};
use gatewalk::tui::view;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use std::sync::Arc;
use std::time::Instant;
use tempfile::TempDir;
use tokio::sync::mpsc::UnboundedReceiver;

struct Fixture {
    app: App,
    _rx: UnboundedReceiver<Msg>,
    home: TempDir,
}

async fn fixture() -> Fixture {
    let home = tempfile::tempdir().unwrap();
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    let config = Config {
        home: home.path().to_path_buf(),
        opts: AwsOptions::default(),
        sandbox: false,
        pace: None,
        session: None,
        keys: KeyTable::default(),
        notice: None,
        engine: &gatewalk::steps::ENGINE,
    };
    let mut app = App::new(config, tx);
    // Clients pointed at a port nobody listens on: drawing never calls AWS.
    let aws = AwsContext::load(&AwsOptions {
        profile: None,
        region: Some("us-east-1".into()),
        endpoint_url: Some("http://127.0.0.1:9".into()),
        static_credentials: Some(("k".into(), "s".into())),
        call_delay: None,
        app_name: None,
    })
    .await
    .unwrap();
    app.conn = Conn::Ready(Connection {
        aws: Arc::new(aws),
        sandbox: None,
        profile: None,
        engine: &gatewalk::steps::ENGINE,
    });
    app.identity = Some(Ok(Identity {
        account: "123456789012".into(),
        arn: "arn:aws:iam::123456789012:user/learner".into(),
        partition: "aws".into(),
    }));
    Fixture { app, _rx: rx, home }
}

/// A session with steps 1–`done` done (the last ones with emulator caveats).
fn wizard(f: &Fixture, done: usize) -> Wizard {
    let store = Store::new(f.home.path());
    let mut h = store.open("demo", "us-east-1").unwrap();
    {
        let s = h.session_mut();
        s.account_id = Some("123456789012".into());
        for step in StepId::ALL.iter().take(done) {
            let r = s.step_mut(*step);
            r.status = StepStatus::Done;
            r.last_checks = Some(CheckSummary {
                pass: 5,
                skipped: usize::from(*step >= StepId::Service),
                ..Default::default()
            });
        }
        let out = |s: &mut gatewalk::session::Session, st: StepId, k: &str, v: &str| {
            s.step_mut(st).outputs.insert(k.into(), v.into());
        };
        if done >= 4 {
            out(
                s,
                StepId::LoadBalancer,
                "load_balancer_arn",
                "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/net/demo-nlb/0123456789abcdef",
            );
            out(
                s,
                StepId::LoadBalancer,
                "load_balancer_dns",
                "demo-nlb-0123456789abcdef.elb.us-east-1.amazonaws.com",
            );
        }
        if done >= 5 {
            out(
                s,
                StepId::NatGateway,
                "nat_gateway_id",
                "nat-0123456789abcdef0",
            );
            out(
                s,
                StepId::NatGateway,
                "eip_allocation_id",
                "eipalloc-0123456789abcdef0",
            );
            out(
                s,
                StepId::PrivateSubnet,
                "private_subnet_id",
                "subnet-0123456789abcdef0",
            );
        }
        if done >= 6 {
            out(
                s,
                StepId::Service,
                "service_arn",
                "arn:aws:ecs:us-east-1:123456789012:service/demo/demo-service",
            );
            out(
                s,
                StepId::Service,
                "task_security_group_id",
                "sg-0123456789abcdef0",
            );
        }
        if done >= 9 {
            out(s, StepId::VpcLink, "vpc_link_id", "abc123");
            out(s, StepId::RestApi, "rest_api_id", "a1b2c3d4e5");
            out(
                s,
                StepId::RestApi,
                "invoke_url",
                "https://a1b2c3d4e5.execute-api.us-east-1.amazonaws.com/prod/",
            );
        }
        if done >= 10 {
            out(
                s,
                StepId::Done,
                "smoke_result",
                "HTTP 200 in 84 ms: <!DOCTYPE html><html><head><title>Welcome to nginx!</title>",
            );
        }
    }
    h.save().unwrap();
    Wizard::new(Box::new(h))
}

fn render(app: &App, w: u16, h: u16) -> String {
    let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
    t.draw(|f| view::draw(app, f)).unwrap();
    t.backend().to_string()
}

macro_rules! snap {
    ($name:expr, $app:expr) => {
        snap!($name, $app, 80, 24)
    };
    ($name:expr, $app:expr, $w:expr, $h:expr) => {
        insta::with_settings!({filters => vec![
            (r"\b\d+s ago", "Ns ago"),
            (r"\b\d+[mhd] ago", "N ago"),
            (r"\b\d+s\b", "Ns"),
        ]}, {
            insta::assert_snapshot!($name, render(&$app, $w, $h));
        })
    };
}

#[tokio::test]
async fn picker() {
    let mut f = fixture().await;
    snap!("picker_empty", f.app);
    let store = Store::new(f.home.path());
    let w = wizard(&f, 6);
    drop(w);
    let demo = store.load("demo").unwrap();
    let mut sandboxed = demo.clone();
    sandboxed.name = "workshop-alice".into();
    sandboxed.sandbox_instance = Some("abc".into());
    f.app.sessions = vec![
        SessionRow {
            name: "demo".into(),
            session: Ok(demo),
        },
        SessionRow {
            name: "workshop-alice".into(),
            session: Ok(sandboxed),
        },
        SessionRow {
            name: "broken".into(),
            session: Err("broken.json is not valid JSON".into()),
        },
    ];
    f.app.picked = 1;
    snap!("picker_sessions", f.app);
    f.app.overlay = Some(Overlay::NewSession {
        name: "bad name".into(),
        error: Some("a session name may use letters, digits and -".into()),
    });
    snap!("picker_new_session", f.app);
}

#[tokio::test]
async fn every_tab_of_a_step() {
    let mut f = fixture().await;
    let mut w = wizard(&f, 4);
    w.selected = StepId::NatGateway;
    f.app.screen = Screen::Wizard(Box::new(w));
    snap!("tab_explain", f.app);

    let Screen::Wizard(w) = &mut f.app.screen else {
        unreachable!()
    };
    w.tab = Tab::Configure;
    w.focus = Focus::Content;
    w.selected = StepId::TaskDefinition;
    w.form.field = 5;
    w.form.editing = Some("700".into());
    w.form.error = Some("700 MiB does not pair with cpu 256; Fargate allows 512–2048 MiB".into());
    snap!("tab_configure_editing", f.app);

    let Screen::Wizard(w) = &mut f.app.screen else {
        unreachable!()
    };
    w.form = gatewalk::tui::app::Form::default();
    w.tab = Tab::Plan;
    w.selected = StepId::NatGateway;
    snap!("tab_plan", f.app);

    let Screen::Wizard(w) = &mut f.app.screen else {
        unreachable!()
    };
    w.tab = Tab::Live;
    w.selected = StepId::LoadBalancer;
    w.live.insert(
        StepId::LoadBalancer,
        Load::Ready(
            vec![Resource {
                kind: "Network Load Balancer".into(),
                id: "demo-nlb".into(),
                state: "active".into(),
                attributes: vec![
                    ("scheme".into(), "internal".into()),
                    (
                        "dns".into(),
                        "demo-nlb-0123456789abcdef.elb.us-east-1.amazonaws.com".into(),
                    ),
                ],
                console_url: None,
            }],
            Instant::now(),
        ),
    );
    snap!("tab_live", f.app);
}

#[tokio::test]
async fn failing_checks() {
    let mut f = fixture().await;
    let mut w = wizard(&f, 6);
    w.selected = StepId::TargetGroupSwap;
    w.tab = Tab::Checks;
    {
        let h = w.handle.as_mut().unwrap();
        let r = h.session_mut().step_mut(StepId::TargetGroupSwap);
        r.status = StepStatus::Failed;
        r.last_error = Some("1 check of step target-group-swap fails".into());
    }
    w.refresh();
    w.checks.insert(
        StepId::TargetGroupSwap,
        Load::Ready(
            vec![
                Check::pass("the NLB forwards to the service's target group", "demo-tg"),
                Check::fail(
                    "targets are healthy",
                    "10.0.2.14:80 in us-east-1a is unused (Target.NotInUse)",
                    "the task runs in a zone the NLB has no subnet in; run the service in the NLB's subnet",
                ),
                Check::skipped("tasks are running", "skipped: the emulator runs no containers"),
            ],
            Instant::now(),
        ),
    );
    f.app.screen = Screen::Wizard(Box::new(w));
    f.app.notify(Notice::Warn(
        "step 7 fails its checks now (changed outside gatewalk?)".into(),
    ));
    snap!("checks_failing", f.app);
}

#[tokio::test]
async fn apply_in_progress() {
    let mut f = fixture().await;
    let mut w = wizard(&f, 4);
    w.selected = StepId::NatGateway;
    w.handle = None;
    w.job = Some(Job {
        kind: JobKind::Apply(StepId::NatGateway),
        started: Instant::now(),
        req: Req::default(),
        waiting: Some(Event::Waiting {
            step: Some(StepId::NatGateway),
            what: "the NAT gateway to become available".into(),
            state: "pending".into(),
            elapsed_secs: 72,
        }),
        cancelling: false,
    });
    for e in [
        Event::Info {
            step: Some(StepId::NatGateway),
            message: "step 5 — NAT gateway".into(),
        },
        Event::Created {
            step: Some(StepId::NatGateway),
            kind: "Elastic IP".into(),
            id: "eipalloc-0123456789abcdef0".into(),
        },
        Event::Waiting {
            step: Some(StepId::NatGateway),
            what: "the NAT gateway to become available".into(),
            state: "pending".into(),
            elapsed_secs: 72,
        },
    ] {
        w.log.push(e);
    }
    f.app.screen = Screen::Wizard(Box::new(w));
    f.app.info("applying step 5 — Esc stops safely");
    snap!("apply_in_progress", f.app);
}

#[tokio::test]
async fn done_screen_help_and_too_small() {
    let mut f = fixture().await;
    let mut w = wizard(&f, 10);
    w.done_screen = true;
    f.app.screen = Screen::Wizard(Box::new(w));
    snap!("done_screen", f.app);
    // At 80×24 it does not fit: the last row says so, and PgDn shows the end.
    assert!(render(&f.app, 80, 24).contains("PgUp/PgDn scroll"));
    f.app.update(Msg::Key(crossterm::event::KeyEvent::from(
        crossterm::event::KeyCode::PageDown,
    )));
    snap!("done_screen_scrolled", f.app);
    f.app.overlay = Some(Overlay::ConfirmTeardown {
        typed: "dem".into(),
    });
    snap!("teardown_confirm", f.app);
    f.app.overlay = Some(Overlay::ConfirmTeardown {
        typed: "dex".into(),
    });
    let wrong = render(&f.app, 80, 24);
    assert!(wrong.contains("✗ that is not `demo`"), "{wrong}");
    // A long notice takes two rows, then is cut and says so.
    f.app.overlay = None;
    f.app.info("word ".repeat(40));
    let long = render(&f.app, 80, 24);
    let rows: Vec<&str> = long.lines().collect();
    assert!(rows[rows.len() - 3].contains("word"), "{long}");
    assert!(rows[rows.len() - 2].contains("word"), "{long}");
    assert!(long.contains('…'), "{long}");
    // One that fits a row is whole.
    f.app.info("x".repeat(78));
    assert!(!render(&f.app, 80, 24).contains('…'));
    // A row's worth takes one row, not a second empty one.
    f.app.info("y".repeat(79));
    let one = render(&f.app, 80, 24);
    let rows: Vec<&str> = one.lines().collect();
    assert!(rows[rows.len() - 2].contains(&"y".repeat(79)), "{one}");
    assert!(!rows[rows.len() - 3].contains('y'), "{one}");
    f.app.overlay = Some(Overlay::Help);
    snap!("help_overlay", f.app);
    f.app.overlay = Some(Overlay::CallLog {
        selected: None,
        open: false,
        scroll: 0,
    });
    snap!("call_log_empty", f.app);
    f.app.overlay = None;
    snap!("too_small", f.app, 70, 20);
}

/// Every prompt on screen names the key the table gives the action: a
/// rebinding leaves no "press a" behind.
#[tokio::test]
async fn prompts_follow_the_key_table() {
    let mut f = fixture().await;
    f.app.config.keys = KeyTable::with_overrides(
        "[keys]\napply = [\"F5\"]\nrecheck = [\"F6\"]\nright = [\"F8\"]\nquit = [\"F10\"]",
    )
    .unwrap();
    let mut w = wizard(&f, 4);
    w.selected = StepId::NatGateway;
    w.tab = Tab::Checks;
    f.app.screen = Screen::Wizard(Box::new(w));
    let checks = render(&f.app, 100, 30);
    assert!(checks.contains("Press F5 to apply this step"), "{checks}");
    let Screen::Wizard(w) = &mut f.app.screen else {
        unreachable!()
    };
    w.tab = Tab::Live;
    let live = render(&f.app, 100, 30);
    assert!(live.contains("Press F6 to read"), "{live}");
    let Screen::Wizard(w) = &mut f.app.screen else {
        unreachable!()
    };
    w.tab = Tab::Configure;
    w.selected = StepId::TaskDefinition;
    let configure = render(&f.app, 100, 30);
    assert!(configure.contains("(F8 focuses this pane)"), "{configure}");
    assert!(render(&f.app, 60, 20).contains("Press F10"));
    for screen in [checks, live, configure] {
        assert!(
            !screen.contains("ress a ") && !screen.contains("ress r "),
            "{screen}"
        );
    }
}

/// The Plan tab says each change as a sentence and shows no command under
/// a resource it keeps (issue 14: `+ create attach …`, commands on `= keep`).
#[tokio::test]
async fn the_plan_tab_reads_as_sentences() {
    let mut f = fixture().await;
    let mut w = wizard(&f, 4);
    w.selected = StepId::TaskDefinition;
    w.tab = Tab::Plan;
    f.app.screen = Screen::Wizard(Box::new(w));
    let screen = render(&f.app, 240, 60);
    assert!(screen.contains("+ attach"), "{screen}");
    assert!(!screen.contains("create attach"), "{screen}");
    assert!(!screen.contains("update make sure"), "{screen}");
    let rows: Vec<&str> = screen.lines().collect();
    for (i, row) in rows.iter().enumerate() {
        if row.contains("= keep") {
            let next = rows[i + 1..]
                .iter()
                .find(|r| {
                    r.chars()
                        .any(|c| c.is_alphanumeric() || c == '$' || c == '+')
                })
                .unwrap();
            assert!(
                !next.contains("$ aws"),
                "a command under a kept line:\n{row}\n{next}"
            );
        }
    }
}

/// A step that fails now but was got past once (drift) does not lock the
/// steps after it; one that never got done does.
#[tokio::test]
async fn only_a_step_never_done_locks_the_next() {
    let f = fixture().await;
    let mut w = wizard(&f, 5);
    // Drift: step 3 fails now, steps 4 and 5 were applied after it.
    w.session.step_mut(StepId::PrivateSubnet).status = StepStatus::Failed;
    assert_eq!(w.locked_by(StepId::NatGateway), None);
    // Step 5 fails and nothing after it was ever applied: step 6 waits.
    w.session.step_mut(StepId::NatGateway).status = StepStatus::Failed;
    assert_eq!(w.locked_by(StepId::Service), Some(StepId::NatGateway));
    assert_eq!(w.locked_by(StepId::NatGateway), None);
    // A first apply that failed locks what follows.
    w.session.step_mut(StepId::NatGateway).status = StepStatus::Applying;
    assert_eq!(w.locked_by(StepId::Service), Some(StepId::NatGateway));
}
