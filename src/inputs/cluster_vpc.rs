//! Inputs of step 2: names, the VPC block, the two public subnets, the zones.

use super::cidr::{overlaps, parse_cidr};
use super::names::check_ecs_name;
use super::{Errs, Field, Inputs, StepInputs};
use crate::model::StepId;
use serde::{Deserialize, Serialize};

/// Inputs of step 2.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClusterVpcInputs {
    /// ECS cluster name.
    pub cluster_name: String,
    /// VPC CIDR block.
    pub vpc_cidr: String,
    /// CIDR of the first public subnet (it keeps the NAT gateway).
    pub public_subnet_a_cidr: String,
    /// CIDR of the second public subnet (replaced by the private one in step 3).
    pub public_subnet_b_cidr: String,
    /// Two Availability Zones; empty picks the region's first two.
    pub availability_zones: Vec<String>,
}

impl StepInputs for ClusterVpcInputs {
    const STEP: StepId = StepId::ClusterVpc;
    const FIELDS: &'static [Field] = &[
        Field {
            name: "cluster_name",
            meaning: "ECS cluster name; an existing cluster of that name is used and never deleted",
        },
        Field {
            name: "vpc_cidr",
            meaning: "the VPC's address block, /16 to /28",
        },
        Field {
            name: "public_subnet_a_cidr",
            meaning: "first public subnet (keeps the NAT gateway), inside the VPC block",
        },
        Field {
            name: "public_subnet_b_cidr",
            meaning: "second public subnet (step 3 replaces it with the private one)",
        },
        Field {
            name: "availability_zones",
            meaning: "two AZs, comma-separated (e.g. us-east-1a,us-east-1b); empty picks the first two",
        },
    ];

    fn defaults(session: &str) -> Self {
        Self {
            cluster_name: session.to_string(),
            vpc_cidr: "10.0.0.0/16".into(),
            public_subnet_a_cidr: "10.0.0.0/24".into(),
            public_subnet_b_cidr: "10.0.1.0/24".into(),
            availability_zones: vec![],
        }
    }

    fn check(&self, _all: &Inputs, region: &str, e: &mut Errs<'_>) {
        e.check("cluster_name", check_ecs_name(&self.cluster_name));
        let vpc = match parse_cidr(&self.vpc_cidr) {
            Ok(v) => Some(v),
            Err(m) => {
                e.push("vpc_cidr", m);
                None
            }
        };
        let mut subnets = Vec::new();
        for (field, cidr) in [
            ("public_subnet_a_cidr", &self.public_subnet_a_cidr),
            ("public_subnet_b_cidr", &self.public_subnet_b_cidr),
        ] {
            match parse_cidr(cidr) {
                Ok(n) => {
                    if let Some(v) = &vpc
                        && !v.contains(&n)
                    {
                        e.push(field, format!("{n} is not inside the VPC block {v}"));
                    }
                    subnets.push((field, n));
                }
                Err(m) => e.push(field, m),
            }
        }
        if let [(_, a), (fb, b)] = subnets.as_slice()
            && overlaps(a, b)
        {
            e.push(
                fb,
                format!("{b} overlaps public_subnet_a_cidr {a}; subnets must not share addresses"),
            );
        }
        let azs = &self.availability_zones;
        if !azs.is_empty() {
            if azs.len() != 2 {
                e.push(
                    "availability_zones",
                    format!(
                        "give exactly two zones (got {}), or none to pick automatically",
                        azs.len()
                    ),
                );
            } else if azs[0] == azs[1] {
                e.push(
                    "availability_zones",
                    format!(
                        "both zones are {}; the subnets must be in two different zones",
                        azs[0]
                    ),
                );
            }
            for az in azs {
                let suffix_ok = az.strip_prefix(region).is_some_and(|s| {
                    !s.is_empty()
                        && s.chars()
                            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
                });
                if !suffix_ok {
                    e.push(
                        "availability_zones",
                        format!("`{az}` is not a zone of {region} (zones look like {region}a)"),
                    );
                }
            }
        }
    }
}
