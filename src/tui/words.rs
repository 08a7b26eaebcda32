//! Sentences the wizard says about several things at once: which steps
//! fail, what an apply or a teardown did.

use crate::model::StepId;
use crate::progress::Event;

/// `step 3`, `steps 3 and 5`, `steps 3, 5 and 7`.
pub fn steps(list: &[StepId]) -> String {
    let n: Vec<String> = list.iter().map(|s| s.number().to_string()).collect();
    match n.as_slice() {
        [] => "no step".into(),
        [one] => format!("step {one}"),
        [init @ .., last] => format!("steps {} and {last}", init.join(", ")),
    }
}

/// The notice for steps that fail their checks now.
pub fn failing(list: &[StepId]) -> String {
    let (verb, their) = if list.len() == 1 {
        ("fails", "its")
    } else {
        ("fail", "their")
    };
    format!(
        "{} {verb} {their} checks now (changed outside gatewalk?); see Checks",
        steps(list)
    )
}

/// Each thing an apply or teardown did, from its events: `created VPC
/// vpc-1`, `changed route table rtb-2: default route to nat-3`.
pub fn change_lines(events: &[Event]) -> Vec<String> {
    events
        .iter()
        .filter_map(|e| match e {
            Event::Created { kind, id, .. } => {
                Some(format!("created {kind} {}", crate::text::short_arn(id)))
            }
            Event::Deleted { kind, id, .. } => {
                Some(format!("deleted {kind} {}", crate::text::short_arn(id)))
            }
            Event::Changed { kind, id, what, .. } => Some(format!(
                "changed {kind} {}: {what}",
                crate::text::short_arn(id)
            )),
            _ => None,
        })
        .collect()
}

/// What an apply or teardown did, short enough for the status line: the
/// one thing it did, or how many of each (`created 3, changed 2`), or
/// `nothing needed changing`.
pub fn changes(events: &[Event]) -> String {
    let said = change_lines(events);
    match said.as_slice() {
        [] => "nothing needed changing".into(),
        [one] => one.clone(),
        _ => {
            let count = |w: &str| said.iter().filter(|s| s.starts_with(w)).count();
            let parts: Vec<String> = ["created", "changed", "deleted"]
                .into_iter()
                .filter(|w| count(w) > 0)
                .map(|w| format!("{w} {}", count(w)))
                .collect();
            parts.join(", ")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_read_as_english() {
        use StepId::{ClusterVpc, NatGateway, PrivateSubnet};
        assert_eq!(steps(&[PrivateSubnet]), "step 3");
        assert_eq!(steps(&[PrivateSubnet, NatGateway]), "steps 3 and 5");
        assert_eq!(
            steps(&[ClusterVpc, PrivateSubnet, NatGateway]),
            "steps 2, 3 and 5"
        );
        assert!(failing(&[PrivateSubnet]).starts_with("step 3 fails its checks"));
        assert!(failing(&[PrivateSubnet, NatGateway]).starts_with("steps 3 and 5 fail their"));
    }

    #[test]
    fn an_apply_says_what_it_changed() {
        let changed = Event::Changed {
            step: None,
            kind: "private route table".into(),
            id: "rtb-1".into(),
            what: "default route to nat-2".into(),
        };
        assert_eq!(
            changes(&[changed]),
            "changed private route table rtb-1: default route to nat-2"
        );
        assert_eq!(changes(&[]), "nothing needed changing");
        let created = Event::Created {
            step: None,
            kind: "VPC".into(),
            id: "vpc-1".into(),
        };
        assert_eq!(changes(&[created.clone(), created]), "created 2");
    }
}
