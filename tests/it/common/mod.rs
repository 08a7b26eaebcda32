//! Shared test harness: a private moto server per test, an AWS context pointed
//! at it, a private gatewalk home, and helpers to drive the engine or the binary.
#![allow(dead_code)]

pub mod checks;
pub mod console;
pub mod proxy;
pub mod strict;

use gatewalk::aws::find::{Tagged, inventory};
use gatewalk::aws::{AwsContext, AwsOptions};
use gatewalk::progress::Progress;
use gatewalk::sandbox::{Ephemeral, Pace};
use gatewalk::session::{SessionHandle, Store};
use gatewalk::steps::StepId;
use gatewalk::steps::engine;
use gatewalk::steps::inputs::Inputs;
use std::process::{Command, Output};
use tempfile::TempDir;

/// One test's world: moto, a home directory, clients.
pub struct World {
    pub moto: Ephemeral,
    pub home: TempDir,
    pub aws: AwsContext,
    pub store: Store,
}

pub const REGION: &str = "us-east-1";

impl World {
    /// moto behind the strict layer at instant pace.
    pub async fn new() -> Self {
        Self::new_at(Pace::Instant).await
    }

    /// moto behind the strict layer at `pace`.
    pub async fn new_at(pace: Pace) -> Self {
        let home = tempfile::tempdir().expect("temp dir");
        let moto = Ephemeral::start_at(&home.path().join("moto.log"), pace)
            .await
            .expect("moto_server must be installed: run `bash scripts/test`, which installs it");
        let aws = Self::context(&moto.endpoint()).await;
        let store = Store::new(home.path());
        Self {
            moto,
            home,
            aws,
            store,
        }
    }

    /// A fresh context (with its own call log) on the same server.
    pub async fn context(endpoint: &str) -> AwsContext {
        AwsContext::load(&AwsOptions {
            profile: None,
            region: Some(REGION.into()),
            endpoint_url: Some(endpoint.into()),
            static_credentials: Some(("testing".into(), "testing".into())),
            call_delay: None,
            app_name: None,
        })
        .await
        .expect("aws context")
    }

    /// Opens (creating) a session and applies it through `through`.
    pub async fn apply(&self, aws: &AwsContext, name: &str, through: StepId) -> SessionHandle {
        let mut h = self.store.open(name, REGION).expect("open session");
        let inputs = Inputs::resolve(h.session(), &[]).expect("default inputs are valid");
        engine::bind(aws, &mut h, None, &Progress::silent())
            .await
            .expect("bind");
        engine::apply_through(aws, &mut h, &inputs, through, &Progress::silent())
            .await
            .unwrap_or_else(|e| panic!("apply through {through} failed: {e}"));
        h
    }

    pub async fn inventory(&self, session: &str) -> Vec<Tagged> {
        inventory(&self.aws, session).await.expect("inventory")
    }

    /// The gatewalk binary, pointed at this world's moto and home.
    pub fn bin(&self) -> Command {
        self.bin_at(&self.moto.endpoint())
    }

    /// The gatewalk binary with this world's home, sending its calls to `endpoint`.
    pub fn bin_at(&self, endpoint: &str) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_gatewalk"));
        c.env("GATEWALK_HOME", self.home.path())
            .env("AWS_ACCESS_KEY_ID", "testing")
            .env("AWS_SECRET_ACCESS_KEY", "testing")
            .env("AWS_REGION", REGION)
            .env_remove("AWS_PROFILE")
            .env_remove("AWS_SESSION_TOKEN")
            .env_remove("GATEWALK_SESSION")
            .env_remove("AWS_ENDPOINT_URL")
            .arg("--endpoint-url")
            .arg(endpoint);
        c
    }
}

impl Drop for World {
    /// A bug in the strict layer (a rule or hook that raised) is logged by the
    /// layer and must fail the test that met it.
    fn drop(&mut self) {
        if std::thread::panicking() {
            return;
        }
        let log = std::fs::read_to_string(self.home.path().join("moto.log")).unwrap_or_default();
        if let Some(at) = log.find("strict-aws: INTERNAL ERROR") {
            panic!(
                "the strict layer failed:\n{}",
                &log[at..log.len().min(at + 3000)]
            );
        }
    }
}

/// Runs a command and returns its output, printing it on failure for diagnosis.
pub fn run(mut c: Command) -> Output {
    let out = c.output().expect("run gatewalk");
    if !out.status.success() {
        eprintln!(
            "--- stdout\n{}\n--- stderr\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    out
}

/// Runs a command, typing `input` on its standard input.
pub fn typing(mut c: Command, input: &str) -> Output {
    use std::io::Write;
    use std::process::Stdio;
    let mut child = c
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run gatewalk");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(input.as_bytes())
        .expect("type");
    child.wait_with_output().expect("gatewalk ends")
}

/// Runs a command that must succeed (its stderr in the failure message).
pub fn succeeds(c: &mut Command) -> Output {
    let out = c.output().expect("run the command");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// Operations that change something in the account.
pub fn mutating(ops: &[String]) -> Vec<String> {
    ops.iter()
        .filter(|o| {
            [
                "Create",
                "Allocate",
                "Register",
                "Attach",
                "Associate",
                "Replace",
                "Delete",
                "Release",
                "Deregister",
                "Detach",
                "Disassociate",
                "Modify",
                "Update",
                "Authorize",
                "Put",
                "Tag",
                "Untag",
            ]
            .iter()
            .any(|p| o.starts_with(p))
        })
        .cloned()
        .collect()
}

/// The kinds of resources in an inventory, sorted (ids differ between runs).
pub fn kinds(inv: &[Tagged]) -> Vec<String> {
    let mut k: Vec<String> = inv.iter().map(|t| t.kind.clone()).collect();
    k.sort();
    k
}

/// Counts of everything in the account, tagged or not, so teardown can be
/// shown to leave the account as it found it.
/// The position of the network interfaces in [`account_counts`].
pub const ENIS: usize = 10;

pub async fn account_counts(aws: &gatewalk::aws::AwsContext) -> Vec<usize> {
    let nat = aws.ec2.describe_nat_gateways().send().await.unwrap();
    vec![
        aws.ec2.describe_vpcs().send().await.unwrap().vpcs().len(),
        aws.ec2
            .describe_subnets()
            .send()
            .await
            .unwrap()
            .subnets()
            .len(),
        aws.ec2
            .describe_internet_gateways()
            .send()
            .await
            .unwrap()
            .internet_gateways()
            .len(),
        aws.ec2
            .describe_route_tables()
            .send()
            .await
            .unwrap()
            .route_tables()
            .len(),
        aws.ec2
            .describe_addresses()
            .send()
            .await
            .unwrap()
            .addresses()
            .len(),
        nat.nat_gateways()
            .iter()
            .filter(|n| n.state() != Some(&aws_sdk_ec2::types::NatGatewayState::Deleted))
            .count(),
        aws.elb
            .describe_load_balancers()
            .send()
            .await
            .unwrap()
            .load_balancers()
            .len(),
        aws.elb
            .describe_target_groups()
            .send()
            .await
            .unwrap()
            .target_groups()
            .len(),
        active_clusters(aws).await,
        live_services(aws).await,
        aws.ec2
            .describe_network_interfaces()
            .send()
            .await
            .unwrap()
            .network_interfaces()
            .len(),
        // ECS's service-linked role is AWS's and stays (never deleted).
        aws.iam
            .list_roles()
            .send()
            .await
            .unwrap()
            .roles()
            .iter()
            .filter(|r| !r.path().starts_with("/aws-service-role/"))
            .count(),
        aws.ec2
            .describe_security_groups()
            .send()
            .await
            .unwrap()
            .security_groups()
            .len(),
        aws.apigw
            .get_rest_apis()
            .send()
            .await
            .unwrap()
            .items()
            .len(),
        aws.apigw
            .get_vpc_links()
            .send()
            .await
            .unwrap()
            .items()
            .len(),
        aws.logs
            .describe_log_groups()
            .send()
            .await
            .unwrap()
            .log_groups()
            .len(),
    ]
}

/// Every cluster, INACTIVE ones too.
async fn cluster_arns(aws: &gatewalk::aws::AwsContext) -> Vec<String> {
    aws.ecs
        .list_clusters()
        .send()
        .await
        .unwrap()
        .cluster_arns()
        .to_vec()
}

/// ECS services that are not INACTIVE, in every cluster — inactive clusters too
/// (a cluster deleted from under a live service must not hide it).
pub async fn live_services(aws: &gatewalk::aws::AwsContext) -> usize {
    let mut n = 0;
    for c in cluster_arns(aws).await {
        let Ok(list) = aws.ecs.list_services().cluster(&c).send().await else {
            continue;
        };
        let arns = list.service_arns().to_vec();
        for chunk in arns.chunks(10) {
            let d = aws
                .ecs
                .describe_services()
                .cluster(&c)
                .set_services(Some(chunk.to_vec()))
                .send()
                .await
                .unwrap();
            n += d
                .services()
                .iter()
                .filter(|s| s.status() != Some("INACTIVE"))
                .count();
        }
    }
    n
}

/// ACTIVE clusters (deleted ones stay visible as INACTIVE for a while).
pub async fn active_clusters(aws: &gatewalk::aws::AwsContext) -> usize {
    let arns = cluster_arns(aws).await;
    if arns.is_empty() {
        return 0;
    }
    let d = aws
        .ecs
        .describe_clusters()
        .set_clusters(Some(arns))
        .send()
        .await
        .unwrap();
    d.clusters()
        .iter()
        .filter(|c| c.status() == Some("ACTIVE"))
        .count()
}
