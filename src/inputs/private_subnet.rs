//! Inputs of step 3: the private subnet's block.

use super::cidr::{overlaps, parse_cidr};
use super::{Errs, Field, Inputs, StepInputs};
use crate::model::StepId;
use serde::{Deserialize, Serialize};

/// Inputs of step 3.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PrivateSubnetInputs {
    /// CIDR of the private subnet.
    pub private_subnet_cidr: String,
}

impl StepInputs for PrivateSubnetInputs {
    const STEP: StepId = StepId::PrivateSubnet;
    const FIELDS: &'static [Field] = &[Field {
        name: "private_subnet_cidr",
        meaning: "the private subnet's block: inside the VPC, not overlapping either public subnet",
    }];

    fn defaults(_session: &str) -> Self {
        Self {
            private_subnet_cidr: "10.0.2.0/24".into(),
        }
    }

    fn check(&self, all: &Inputs, _region: &str, e: &mut Errs<'_>) {
        let f = "private_subnet_cidr";
        let net = match parse_cidr(&self.private_subnet_cidr) {
            Ok(n) => n,
            Err(m) => return e.push(f, m),
        };
        let cv = &all.cluster_vpc;
        if let Ok(vpc) = parse_cidr(&cv.vpc_cidr)
            && !vpc.contains(&net)
        {
            e.push(f, format!("{net} is not inside the VPC block {vpc}"));
        }
        // The private subnet is created before public subnet B is deleted, so
        // nothing is lost if the create fails; it therefore must not overlap B either.
        for (name, cidr) in [
            ("public_subnet_a_cidr", &cv.public_subnet_a_cidr),
            ("public_subnet_b_cidr", &cv.public_subnet_b_cidr),
        ] {
            if let Ok(other) = parse_cidr(cidr)
                && overlaps(&net, &other)
            {
                e.push(f, format!("{net} overlaps cluster-vpc.{name} {other}"));
            }
        }
    }
}
