//! The wizard's way to a deployment made elsewhere: `c` in the picker finds
//! it, Enter makes it a session, and applying a step that must change a
//! resource of yours asks first — `y` changes it, for that apply only.

use crate::common::World;
use crate::common::console::{self, Hand, RIGHT};
use crate::tui_flow::Harness;
use crossterm::event::KeyCode;
use gatewalk::model::OutputKey as K;
use gatewalk::session::StepStatus;
use gatewalk::steps::StepId;
use gatewalk::tui::app::{Conn, Load, Overlay};
use std::time::Duration;

#[tokio::test(flavor = "multi_thread")]
async fn the_picker_continues_a_hand_built_deployment_and_asks_before_changing_it() {
    let w = World::new().await;
    let b = console::steps_1_to_5(&w.aws, "pubquiz", "10.0.0.0/16").await;
    let how = Hand {
        container_rule: false,
        ..RIGHT
    };
    console::steps_6_to_10(&w.aws, "pubquiz", &b, how).await;
    let mut h = Harness::new(&w, None, None);
    let long = Duration::from_secs(60);
    h.until("connected", long, |a| matches!(a.conn, Conn::Ready(_)))
        .await;

    h.press(KeyCode::Char('c'));
    h.until("deployments found", long, |a| {
        matches!(a.adoptable, Some(Load::Ready(..)))
    })
    .await;
    let screen = h.screen();
    assert!(screen.contains(&b.vpc), "{screen}");
    assert!(screen.contains("pubquiz-vpc"), "{screen}");
    h.press(KeyCode::Enter);
    h.until("the adopted session open", long, |a| {
        a.wizard().is_some_and(|w| w.session.name == "mine")
    })
    .await;
    let s = w.store.load("mine").unwrap();
    assert_eq!(s.output(K::Vpc), Some(b.vpc.as_str()));
    assert!(s.is_yours(K::SecurityGroup));

    // Step 6 must change their security group: apply asks, nothing changes
    // until `y`.
    h.until("re-checked", long, |a| {
        a.wizard().is_some_and(|w| w.selected == StepId::Service)
    })
    .await;
    h.press(KeyCode::Char('a'));
    h.until("the question", long, |a| {
        matches!(a.overlay, Some(Overlay::ConfirmChangeYours { .. }))
    })
    .await;
    let screen = h.screen();
    assert!(screen.contains("Change a resource of yours?"), "{screen}");
    assert!(
        screen.contains("allow TCP 8080 from 10.0.0.0/16"),
        "{screen}"
    );
    assert_ne!(h.status(StepId::Service), StepStatus::Done);
    h.press(KeyCode::Char('y'));
    // Without the rule the NLB failed the tasks' health checks and the
    // circuit breaker stopped their deployment: starting new tasks is a
    // change to their service too, asked for on its own.
    h.until("the second question", long, |a| {
        matches!(a.overlay, Some(Overlay::ConfirmChangeYours { .. }))
    })
    .await;
    let screen = h.screen();
    assert!(screen.contains("start new tasks"), "{screen}");
    h.press(KeyCode::Char('y'));
    h.until("step 6 applied", long, |a| {
        a.wizard().is_some_and(|w| {
            w.job.is_none() && w.session.status(StepId::Service) == StepStatus::Done
        })
    })
    .await;
    let agreed = h
        .app
        .wizard()
        .and_then(|w| w.handle.as_ref())
        .map(|h| h.consent().clone())
        .unwrap();
    assert!(!agreed.change_yours, "agreed to those changes only");
    assert_eq!(agreed.agreed.len(), 2, "{agreed:?}");
}
