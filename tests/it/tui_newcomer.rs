//! The stumbles of a first walkthrough (issue 14), each driven through the
//! message channel against the emulator behind the strict layer: answers
//! that belong to another screen are dropped, drift shows without asking
//! and the later step that owns it repairs it, the form and the call log
//! say what they mean.

use crate::common::World;
use crate::tui_flow::Harness;
use crossterm::event::KeyCode;
use gatewalk::model::OutputKey;
use gatewalk::session::StepStatus;
use gatewalk::steps::{Check, StepId};
use gatewalk::tui::app::{App, Conn, Load, Overlay, Screen, Tab};
use gatewalk::tui::cmd::Cmd;
use gatewalk::tui::msg::{Msg, Req, SessionRow};
use std::time::{Duration, Instant};

const MIN: Duration = Duration::from_secs(60);

fn notice(a: &App) -> String {
    a.notice
        .as_ref()
        .map(|n| n.text().to_string())
        .unwrap_or_default()
}

/// Presses `r` through `update`, which returns the re-check it wants
/// instead of starting it; the request it names (never run).
fn recheck_asked(h: &mut Harness) -> Req {
    let r = crossterm::event::KeyEvent::from(KeyCode::Char('r'));
    let cmds = h.app.update(Msg::Key(r));
    match cmds.iter().find(|c| matches!(c, Cmd::Validate(..))) {
        Some(Cmd::Validate(asked, ..)) => *asked,
        _ => panic!("r asked for no re-check: {cmds:?}"),
    }
}

async fn opened(w: &World, name: &str) -> Harness {
    let mut h = Harness::new(w, Some(name), None);
    h.until("the session", MIN, |a| {
        matches!(a.screen, Screen::Wizard(_))
    })
    .await;
    h
}

/// The review's probe: a validation asked for by session `one` comes back
/// after `two` was opened. It must not touch `two` (in memory or on disk).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_late_answer_never_lands_in_another_session() {
    let w = World::new().await;
    let mut h = opened(&w, "one").await;
    h.apply(StepId::TaskDefinition).await;
    let asked = recheck_asked(&mut h);
    // Back to the list, and into session `two`.
    h.press(KeyCode::Esc);
    h.until("the picker", MIN, |a| matches!(a.screen, Screen::Picker))
        .await;
    h.app.open_session("two".into());
    h.until("session two", MIN, |a| {
        a.wizard().is_some_and(|w| w.session.name == "two")
    })
    .await;
    assert!(h.app.generation > asked.generation);
    let failing = || {
        vec![(
            StepId::TaskDefinition,
            Ok(vec![Check::fail("probe", "from session one", "nothing")]),
        )]
    };
    h.app.handle(Msg::Validated(asked, failing()));
    // Same screen, but a request nobody made: dropped too.
    let unasked = Req {
        generation: h.app.generation,
        id: 9_999,
    };
    h.app.handle(Msg::Validated(unasked, failing()));
    let two = h.app.wizard().unwrap();
    assert_eq!(
        two.session.status(StepId::TaskDefinition),
        StepStatus::NotStarted
    );
    assert!(!two.checks.contains_key(&StepId::TaskDefinition));
    let on_disk = w.store.load("two").unwrap();
    assert_eq!(
        on_disk.status(StepId::TaskDefinition),
        StepStatus::NotStarted
    );
    assert_eq!(
        w.store.load("one").unwrap().status(StepId::TaskDefinition),
        StepStatus::Done
    );
}

/// Opened again, the status line says what the re-check found instead of
/// "re-checking…" forever; the call log calls a lookup a lookup and opens.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reopening_says_what_the_recheck_found_and_the_call_log_opens() {
    let w = World::new().await;
    let mut h = opened(&w, "back").await;
    h.apply(StepId::TaskDefinition).await;
    // The execution role was looked up before it was created: not found,
    // said as a lookup; Enter shows its parameters and the AWS error code.
    h.press(KeyCode::Char('L'));
    let screen = h.screen();
    assert!(
        screen.contains("not found (a lookup): NoSuchEntity"),
        "{screen}"
    );
    assert!(
        !screen.contains("GetRole") || !screen.contains("failed (404)"),
        "{screen}"
    );
    let calls = match &h.app.conn {
        Conn::Ready(c) => c.aws.calls.snapshot(),
        _ => panic!("not connected"),
    };
    let first_lookup = calls
        .iter()
        .position(gatewalk::aws::calls::CallRecord::not_found)
        .unwrap();
    h.press(KeyCode::Char('g'));
    for _ in 0..first_lookup {
        h.press(KeyCode::Char('j'));
    }
    h.press(KeyCode::Enter);
    assert!(matches!(
        h.app.overlay,
        Some(Overlay::CallLog { open: true, .. })
    ));
    let screen = h.screen();
    assert!(screen.contains("code       NoSuch"), "{screen}");
    assert!(screen.contains("Parameters"), "{screen}");
    assert!(screen.contains("role_name"), "{screen}");
    h.press(KeyCode::Esc);
    assert!(matches!(
        h.app.overlay,
        Some(Overlay::CallLog { open: false, .. })
    ));
    // The footer under the log names the log's keys, quit among them.
    let screen = h.screen();
    assert!(
        screen.contains("enter open") && screen.contains("q quit"),
        "{screen}"
    );
    h.press(KeyCode::Char('q'));
    assert!(h.app.quit, "q in the call log quits, as the footer says");
    drop(h);
    let mut h = opened(&w, "back").await;
    assert!(
        notice(&h.app).contains("re-checking the 1 applied step"),
        "{}",
        notice(&h.app)
    );
    h.until("the re-check", MIN, |a| {
        a.wizard().is_some_and(|w| w.pending.checks.is_empty())
    })
    .await;
    let said = notice(&h.app);
    assert!(
        said.contains("the applied step passes its checks; step 2"),
        "{said}"
    );
}

/// The form starts each step at its first field (no "↑ 3 more above" over
/// an empty pane); a cpu that is not a size is the cpu's error; a new cpu
/// brings memory along and says so.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_form_follows_the_step_and_cpu_brings_memory_along() {
    let w = World::new().await;
    let mut h = opened(&w, "form").await;
    h.press(KeyCode::Tab);
    h.press(KeyCode::Char('l'));
    for _ in 0..6 {
        h.press(KeyCode::Char('j'));
    }
    h.press(KeyCode::Char('h'));
    for _ in 0..9 {
        h.press(KeyCode::Char('j'));
    }
    let screen = h.screen();
    assert!(!screen.contains("more above"), "{screen}");
    for _ in 0..9 {
        h.press(KeyCode::Char('k'));
    }
    assert_eq!(h.app.wizard().unwrap().form.field, 0);
    assert!(h.screen().contains("family"), "{}", h.screen());
    h.edit_field("cpu", "256");
    h.chars("300");
    let err = h.app.wizard().unwrap().form.error.clone().unwrap();
    assert!(err.contains("cpu 300 is not a Fargate size"), "{err}");
    assert!(h.screen().contains("✗ cpu 300"), "{}", h.screen());
    for _ in 0..3 {
        h.press(KeyCode::Backspace);
    }
    h.chars("512");
    assert!(h.app.wizard().unwrap().form.error.is_none());
    h.press(KeyCode::Enter);
    let saved = w.store.load("form").unwrap();
    let i = saved.step(StepId::TaskDefinition).inputs.clone().unwrap();
    assert_eq!(
        (i["cpu"].as_u64(), i["memory"].as_u64()),
        (Some(512), Some(1024))
    );
    assert!(
        notice(&h.app).contains("memory becomes 1024 MiB"),
        "{}",
        notice(&h.app)
    );
    // The memory field's meaning follows the cpu.
    assert!(
        h.screen().contains("cpu 512 allows 1024–4096"),
        "{}",
        h.screen()
    );
}

/// A session listed as made in the sandbox, opened while AWS cannot be
/// reached, starts the sandbox (as the CLI does) instead of telling the
/// user to press a key.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sandbox_session_opens_in_the_sandbox_without_asking() {
    let w = World::new().await;
    let mut h = Harness::new(&w, None, None);
    h.until("the connection", MIN, |a| matches!(a.conn, Conn::Ready(_)))
        .await;
    let mut s = gatewalk::session::Session::new("box", "us-east-1");
    s.sandbox_instance = Some("inst".into());
    h.app.sessions = vec![SessionRow {
        name: "box".into(),
        session: Ok(s),
    }];
    h.app.conn = Conn::Failed("no credentials".into());
    let cmds = h
        .app
        .update(Msg::Key(crossterm::event::KeyEvent::from(KeyCode::Enter)));
    assert!(
        cmds.iter()
            .any(|c| matches!(c, Cmd::Connect { sandbox: true, .. })),
        "{cmds:?}"
    );
    assert_eq!(h.app.config.session.as_deref(), Some("box"));
    assert!(!notice(&h.app).contains("press"), "{}", notice(&h.app));
}

/// Someone points the private route at the internet gateway. Nobody
/// presses anything: the idle re-check marks steps 3 and 5 ✗. Applying 3
/// leaves step 5's table alone and names step 5; step 5 may be applied
/// while 3 fails, says what it changed, and 3 turns green again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn drift_shows_by_itself_and_the_step_that_owns_it_repairs_it() {
    let w = World::new().await;
    let mut h = opened(&w, "drift").await;
    for step in &StepId::ALL[..5] {
        h.apply(*step).await;
    }
    let s = w.store.load("drift").unwrap();
    let rt = s.output(OutputKey::PrivateRouteTable).unwrap().to_string();
    let igw = s.output(OutputKey::InternetGateway).unwrap().to_string();
    let private = s.output(OutputKey::PrivateSubnet).unwrap().to_string();
    w.aws
        .ec2
        .replace_route()
        .route_table_id(&rt)
        .destination_cidr_block("0.0.0.0/0")
        .gateway_id(&igw)
        .send()
        .await
        .unwrap();
    // 30 s of quiet, without waiting them out.
    if let Screen::Wizard(wz) = &mut h.app.screen {
        wz.last_recheck = Instant::now().checked_sub(Duration::from_secs(31)).unwrap();
    }
    h.until("the idle re-check to see the drift", MIN, |a| {
        a.wizard().is_some_and(|w| {
            w.session.status(StepId::PrivateSubnet) == StepStatus::Failed
                && w.session.status(StepId::NatGateway) == StepStatus::Failed
        })
    })
    .await;
    // Step 4's NLB sits in that subnet too: it fails with them.
    assert!(
        notice(&h.app).starts_with("steps 3, 4 and 5 fail their checks now"),
        "{}",
        notice(&h.app)
    );

    // Step 3 first: it must not take the subnet out of step 5's table.
    while h.app.wizard().unwrap().selected != StepId::PrivateSubnet {
        h.press(KeyCode::Char('k'));
    }
    h.press(KeyCode::Char('a'));
    h.until("step 3", MIN, |a| {
        a.wizard().is_some_and(|w| w.job.is_none())
    })
    .await;
    let assoc = w
        .aws
        .ec2
        .describe_route_tables()
        .route_table_ids(&rt)
        .send()
        .await
        .unwrap();
    let still = assoc.route_tables()[0]
        .associations()
        .iter()
        .any(|a| a.subnet_id() == Some(private.as_str()));
    assert!(
        still,
        "step 3 took the private subnet out of step 5's route table"
    );
    assert_eq!(h.status(StepId::PrivateSubnet), StepStatus::Failed);

    // Step 5: not locked by the failing step 3; its plan names the repair.
    h.press(KeyCode::Char('j'));
    h.press(KeyCode::Char('j'));
    assert_eq!(h.app.wizard().unwrap().selected, StepId::NatGateway);
    while h.app.wizard().unwrap().tab != Tab::Plan {
        h.press(KeyCode::Tab);
    }
    h.until("step 5's checks", MIN, |a| {
        a.wizard()
            .is_some_and(|w| matches!(w.checks.get(&StepId::NatGateway), Some(Load::Ready(..))))
    })
    .await;
    assert!(h.screen().contains("~ repair"), "{}", h.screen());
    // Its checks name the one repair: applying it (not a command by hand).
    while h.app.wizard().unwrap().tab != Tab::Checks {
        h.press(KeyCode::Tab);
    }
    let checks = h.screen();
    assert!(checks.contains("press a to apply this step"), "{checks}");
    assert!(!checks.contains("replace-route"), "{checks}");
    h.press(KeyCode::Char('a'));
    assert!(h.app.wizard().unwrap().job.is_some(), "{}", notice(&h.app));
    h.until("step 5", MIN, |a| {
        a.wizard().is_some_and(|w| w.job.is_none())
    })
    .await;
    let said = notice(&h.app);
    assert!(said.starts_with("step 5 done — changed"), "{said}");
    assert!(
        said.contains(&format!("{rt}: default route to nat-")),
        "{said}"
    );
    h.until("steps 3 and 4 to turn green again", MIN, |a| {
        a.wizard().is_some_and(|w| {
            w.session.status(StepId::PrivateSubnet) == StepStatus::Done
                && w.session.status(StepId::LoadBalancer) == StepStatus::Done
        })
    })
    .await;
}

/// A name typed and entered while gatewalk is still connecting opens that
/// session once connected (a fast typist in a workshop).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_named_before_the_connection_is_up_opens_once_it_is() {
    let w = World::new().await;
    let mut h = Harness::new(&w, None, None);
    assert!(matches!(h.app.conn, Conn::Connecting));
    h.press(KeyCode::Char('n'));
    h.chars("early");
    h.press(KeyCode::Enter);
    h.until("the session", MIN, |a| {
        a.wizard().is_some_and(|w| w.session.name == "early")
    })
    .await;
}

/// Enter pressed twice on a session opens it once (the second open would
/// find the first one's lock and fail).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn enter_twice_opens_the_session_once() {
    let w = World::new().await;
    let h = opened(&w, "twice").await;
    drop(h);
    let mut h = Harness::new(&w, None, None);
    h.until("the list and the connection", MIN, |a| {
        matches!(a.conn, Conn::Ready(_)) && !a.sessions.is_empty()
    })
    .await;
    h.press(KeyCode::Enter);
    h.press(KeyCode::Enter);
    h.until("the session", MIN, |a| {
        matches!(a.screen, Screen::Wizard(_))
    })
    .await;
    assert!(!notice(&h.app).contains("in use"), "{}", notice(&h.app));
}

/// A late answer of an earlier connection attempt changes nothing: the
/// identity shown is the current connection's.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_late_answer_of_an_old_connection_is_dropped() {
    let w = World::new().await;
    let mut h = Harness::new(&w, None, None);
    h.until("the identity", MIN, |a| {
        a.identity.as_ref().is_some_and(Result::is_ok)
    })
    .await;
    let old = h.app.conn_epoch.wrapping_sub(1);
    h.app.handle(Msg::Identity(
        old,
        Err(gatewalk::Error::Config("expired".into())),
    ));
    h.app.handle(Msg::Connected(
        old,
        Err(gatewalk::Error::Config("expired".into())),
    ));
    assert!(h.app.identity.as_ref().is_some_and(Result::is_ok));
    assert!(matches!(h.app.conn, Conn::Ready(_)));
}

/// A re-check that could not read a step never reports it as passing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_step_that_could_not_be_checked_is_not_said_to_pass() {
    let w = World::new().await;
    let mut h = opened(&w, "unread").await;
    h.apply(StepId::TaskDefinition).await;
    let asked = recheck_asked(&mut h);
    h.app.handle(Msg::Validated(
        asked,
        vec![(
            StepId::TaskDefinition,
            Err(gatewalk::Error::Config("throttled".into())),
        )],
    ));
    let said = notice(&h.app);
    assert!(said.starts_with("could not check step 1"), "{said}");
    assert!(!said.contains("pass"), "{said}");
}

/// An answer asked before a step started applying, arriving while it runs,
/// is not taken (the apply changes the account); it is asked again once the
/// apply ends.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_check_that_lands_during_an_apply_is_asked_again_after_it() {
    let w = World::new().await;
    let mut h = opened(&w, "during").await;
    h.apply(StepId::TaskDefinition).await;
    let asked = recheck_asked(&mut h);
    h.press(KeyCode::Char('a'));
    assert!(h.app.wizard().unwrap().job.is_some());
    h.app.handle(Msg::Validated(
        asked,
        vec![(
            StepId::TaskDefinition,
            Ok(vec![Check::fail(
                "probe",
                "read before the apply",
                "nothing",
            )]),
        )],
    ));
    assert_eq!(h.status(StepId::TaskDefinition), StepStatus::Done);
    let said = notice(&h.app);
    assert!(
        !said.contains("fail") && !said.contains("could not"),
        "{said}"
    );
    h.until("the apply and the check asked again", MIN, |a| {
        a.wizard().is_some_and(|w| {
            w.job.is_none()
                && w.pending.checks.is_empty()
                && matches!(w.checks.get(&StepId::TaskDefinition), Some(Load::Ready(..)))
        })
    })
    .await;
    assert_eq!(h.status(StepId::TaskDefinition), StepStatus::Done);
    assert_eq!(h.status(StepId::ClusterVpc), StepStatus::Done);
    // What step 1's Checks show was read after the apply, not the probe.
    let Some(Load::Ready(checks, _)) = h.app.wizard().unwrap().checks.get(&StepId::TaskDefinition)
    else {
        unreachable!()
    };
    assert!(!checks.iter().any(|c| c.name == "probe"), "{checks:#?}");
}
