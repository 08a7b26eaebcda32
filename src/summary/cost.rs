//! What the deployment costs per hour while it runs, from us-east-1 list
//! prices (AWS-FACTS.md). A reminder, not a bill: prices differ by region and
//! change, and traffic is charged on top.

use crate::inputs::Inputs;
use crate::model::OutputKey;
use crate::model::keys::{EIP, NAT, NLB, SERVICE};
use crate::session::Session;
use serde::Serialize;

/// NAT gateway, per hour.
pub const NAT_PER_HOUR: f64 = 0.045;
/// Public IPv4 address (the NAT gateway's Elastic IP), per hour.
pub const IPV4_PER_HOUR: f64 = 0.005;
/// Interface VPC endpoint, per Availability Zone per hour.
pub const ENDPOINT_AZ_HOUR: f64 = 0.01;
/// Network Load Balancer, per hour (before capacity units).
pub const NLB_PER_HOUR: f64 = 0.0225;
/// Fargate, per vCPU-hour.
pub const FARGATE_VCPU_HOUR: f64 = 0.040;
/// Fargate, per GB-hour of memory.
pub const FARGATE_GB_HOUR: f64 = 0.0044;
/// Hours in an average month.
pub const HOURS_PER_MONTH: f64 = 730.0;

/// One running, billed thing.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CostLine {
    /// What runs ("NAT gateway").
    pub what: String,
    /// List price per hour, USD.
    pub per_hour: f64,
    /// What is charged on top (traffic, requests).
    pub plus: &'static str,
}

/// The billed resources the session has now, with their hourly price.
pub fn hourly(inputs: &Inputs, s: &Session) -> Vec<CostLine> {
    let mut out = Vec::new();
    if s.output(NAT).is_some() {
        out.push(CostLine {
            what: "NAT gateway".into(),
            per_hour: NAT_PER_HOUR,
            plus: "$0.045 per GB processed",
        });
    }
    if s.output(EIP).is_some() {
        out.push(CostLine {
            what: "public IPv4 address (the NAT gateway's Elastic IP)".into(),
            per_hour: IPV4_PER_HOUR,
            plus: "",
        });
    }
    let endpoints = [
        OutputKey::EndpointEcrApi,
        OutputKey::EndpointEcrDkr,
        OutputKey::EndpointLogs,
    ]
    .iter()
    .filter(|k| s.output(**k).is_some())
    .count();
    if endpoints > 0 {
        // One private subnet, so one zone each.
        out.push(CostLine {
            what: format!("{endpoints} interface VPC endpoint(s), one zone each"),
            per_hour: f64::from(u32::try_from(endpoints).unwrap_or(u32::MAX)) * ENDPOINT_AZ_HOUR,
            plus: "$0.01 per GB processed",
        });
    }
    if s.output(OutputKey::EndpointS3).is_some() {
        out.push(CostLine {
            what: "S3 gateway endpoint".into(),
            per_hour: 0.0,
            plus: "no charge",
        });
    }
    if s.output(NLB).is_some() {
        out.push(CostLine {
            what: "Network Load Balancer".into(),
            per_hour: NLB_PER_HOUR,
            plus: "load balancer capacity units",
        });
    }
    if s.output(OutputKey::HostedZone).is_some() {
        // Charged per month, not by the hour: nothing if the zone is
        // deleted within 12 hours of its creation, the whole month after.
        out.push(CostLine {
            what: "Route 53 private hosted zone (the NLB's name)".into(),
            per_hour: 0.0,
            plus: "$0.50 a month once kept 12 hours; alias queries are free",
        });
    }
    if s.output(SERVICE).is_some() {
        let td = &inputs.task_definition;
        let n = inputs.service.desired_count;
        let vcpu = f64::from(td.cpu) / 1024.0;
        let gb = f64::from(td.memory) / 1024.0;
        out.push(CostLine {
            what: format!("{n} Fargate task(s) of {vcpu} vCPU / {gb} GB"),
            per_hour: f64::from(n) * (vcpu * FARGATE_VCPU_HOUR + gb * FARGATE_GB_HOUR),
            plus: "",
        });
    }
    if s.output(OutputKey::RestApi).is_some() {
        out.push(CostLine {
            what: "REST API".into(),
            per_hour: 0.0,
            plus: "$3.50 per million calls",
        });
    }
    out
}

/// Sum per hour.
pub fn total(lines: &[CostLine]) -> f64 {
    // Folded from 0.0: an empty `sum` of floats is -0.0, printed as such.
    lines.iter().fold(0.0, |t, l| t + l.per_hour)
}

/// Human lines: each item, then the total per hour and per month.
pub fn describe(lines: &[CostLine]) -> Vec<String> {
    if lines.is_empty() {
        return vec!["nothing billed by the hour is running".into()];
    }
    let mut out: Vec<String> = lines
        .iter()
        .map(|l| {
            let plus = if l.plus.is_empty() {
                String::new()
            } else {
                format!(" + {}", l.plus)
            };
            if l.per_hour > 0.0 {
                format!("  {:<52} ${:.4}/h{plus}", l.what, l.per_hour)
            } else {
                format!("  {:<52} {}", l.what, l.plus)
            }
        })
        .collect();
    let t = total(lines);
    out.push(format!(
        "  about ${t:.3} per hour, ${:.0} per month while it runs (us-east-1 list prices; other regions differ)",
        t * HOURS_PER_MONTH
    ));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::session::Session;

    #[test]
    fn a_full_deployment_costs_what_the_price_list_says() {
        let mut s = Session::new("c", "us-east-1");
        let inputs = Inputs::defaults("c");
        assert!(hourly(&inputs, &s).is_empty());
        for key in [NAT, EIP, NLB, SERVICE, crate::model::OutputKey::RestApi] {
            s.step_mut(key.step())
                .outputs
                .insert(key.as_str().into(), "x".into());
        }
        let lines = hourly(&inputs, &s);
        assert_eq!(lines.len(), 5);
        // Defaults: one task of 0.25 vCPU and 0.5 GB.
        let fargate = 0.25 * FARGATE_VCPU_HOUR + 0.5 * FARGATE_GB_HOUR;
        let want = NAT_PER_HOUR + IPV4_PER_HOUR + NLB_PER_HOUR + fargate;
        assert!((total(&lines) - want).abs() < 1e-9, "{}", total(&lines));
        let text = describe(&lines).join("\n");
        assert!(text.contains("per month"), "{text}");
        assert!(text.contains("$3.50 per million"), "{text}");
    }

    #[test]
    fn endpoints_cost_less_than_a_nat_gateway() {
        use crate::model::OutputKey as K;
        let inputs = Inputs::defaults("c");
        let with = |keys: &[crate::model::OutputKey]| {
            let mut s = Session::new("c", "us-east-1");
            for key in keys {
                s.step_mut(key.step())
                    .outputs
                    .insert(key.as_str().into(), "x".into());
            }
            total(&hourly(&inputs, &s))
        };
        let nat = with(&[NAT, EIP]);
        let endpoints = with(&[
            K::EndpointEcrApi,
            K::EndpointEcrDkr,
            K::EndpointLogs,
            K::EndpointS3,
        ]);
        assert!(
            (endpoints - 3.0 * ENDPOINT_AZ_HOUR).abs() < 1e-9,
            "{endpoints}"
        );
        assert!(endpoints < nat, "{endpoints} vs {nat}");
    }
}
