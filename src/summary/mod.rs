//! What the session has built, in words, and what it costs while it runs:
//! pure readings of the inputs and the session that the done step prints and
//! both front ends show.

pub mod cost;

use crate::inputs::Inputs;
use crate::model::keys;
use crate::session::Session;

/// What was built, what it costs, how to remove it — one line each.
pub fn summary(inputs: &Inputs, s: &Session) -> Vec<String> {
    let mut out = vec!["what runs now:".to_string()];
    let td = &inputs.task_definition;
    let account = s.account_id.as_deref().unwrap_or("$ACCOUNT_ID");
    let way = match inputs.nat_gateway.egress {
        crate::inputs::nat_gateway::Egress::Nat => "the NAT gateway",
        crate::inputs::nat_gateway::Egress::Endpoints => "VPC endpoints",
    };
    out.push(format!(
        "  {} × {} on Fargate, private subnet {}, no public IP, images pulled through {way}",
        inputs.service.desired_count,
        crate::inputs::nat_gateway::task_image(inputs, account, &s.region),
        s.output(keys::PRIVATE_SUBNET_KEY).unwrap_or("-"),
    ));
    let named = match (
        inputs.load_balancer.dns(),
        s.output(crate::model::OutputKey::DnsRecord),
    ) {
        (Some(n), Some(_)) => format!(" (named {n})"),
        _ => String::new(),
    };
    let listening = if inputs.load_balancer.tls && inputs.load_balancer.plain_listener {
        format!(
            "TLS {} and plain TCP {} (kept, as asked)",
            inputs.listener_port(),
            td.container_port
        )
    } else if inputs.load_balancer.tls {
        format!("TLS {} (nothing unencrypted)", inputs.listener_port())
    } else {
        format!("TCP {}", td.container_port)
    };
    out.push(format!(
        "  internal NLB {}{named} listening on {listening}",
        s.output(crate::model::OutputKey::LoadBalancerDns)
            .unwrap_or("-"),
    ));
    out.push(format!(
        "  REST API {} → VPC Link {} → NLB → tasks",
        s.output(keys::INVOKE_URL).unwrap_or("-"),
        s.output(keys::LINK_KEY).unwrap_or("-"),
    ));
    out.push("what it costs while it runs:".into());
    out.extend(cost::describe(&cost::hourly(inputs, s)));
    out.push(format!(
        "when you are finished: `gatewalk --session {} teardown` removes everything this session created",
        s.name
    ));
    out
}
