//! Bad inputs are rejected with a clear message before any API call: the pure
//! resolver is exercised here case by case, and the binary is shown to open no
//! connection at all when given them.

use gatewalk::session::Session;
use gatewalk::steps::StepId;
use gatewalk::steps::inputs::{Inputs, Override, OverrideValue, parse_set};
use std::net::TcpListener;

fn resolve(sets: &[&str]) -> Result<Inputs, String> {
    let session = Session::new("demo", "us-east-1");
    let mut overrides = Vec::new();
    for s in sets {
        overrides.push(parse_set(s).map_err(|e| e.to_string())?);
    }
    Inputs::resolve(&session, &overrides).map_err(|errs| {
        errs.iter()
            .map(std::string::ToString::to_string)
            .collect::<Vec<_>>()
            .join("\n")
    })
}

/// (inputs, words the message must contain)
const BAD: &[(&[&str], &str)] = &[
    // CIDRs
    (&["cluster-vpc.vpc_cidr=10.0.0.0/8"], "/16 to /28"),
    (&["cluster-vpc.vpc_cidr=10.0.0.0/29"], "/16 to /28"),
    (&["cluster-vpc.vpc_cidr=10.0.0.1/16"], "host bits"),
    (&["cluster-vpc.vpc_cidr=10.0.0/16"], "not an IPv4 CIDR"),
    (&["cluster-vpc.vpc_cidr=banana"], "not an IPv4 CIDR"),
    (&["cluster-vpc.vpc_cidr=2001:db8::/56"], "not an IPv4 CIDR"),
    (
        &["cluster-vpc.public_subnet_a_cidr=10.1.0.0/24"],
        "not inside the VPC",
    ),
    (
        &["cluster-vpc.public_subnet_b_cidr=10.0.0.0/24"],
        "overlaps",
    ),
    (
        &["cluster-vpc.public_subnet_b_cidr=10.0.0.128/25"],
        "overlaps",
    ),
    (
        &["private-subnet.private_subnet_cidr=10.0.1.0/24"],
        "overlaps",
    ),
    (
        &["private-subnet.private_subnet_cidr=10.0.0.0/20"],
        "overlaps",
    ),
    (
        &["private-subnet.private_subnet_cidr=192.168.0.0/24"],
        "not inside the VPC",
    ),
    (
        &["private-subnet.private_subnet_cidr=10.0.2.7/24"],
        "host bits",
    ),
    (
        &["cluster-vpc.availability_zones=us-east-1a"],
        "exactly two",
    ),
    (
        &["cluster-vpc.availability_zones=us-east-1a,us-east-1a"],
        "two different zones",
    ),
    (
        &["cluster-vpc.availability_zones=eu-west-1a,eu-west-1b"],
        "not a zone of us-east-1",
    ),
    // Names
    (
        &["load-balancer.nlb_name=this-name-is-far-too-long-for-an-nlb"],
        "at most 32",
    ),
    (&["load-balancer.nlb_name=internal-api"], "internal-"),
    (
        &["load-balancer.nlb_name=-api"],
        "start or end with a hyphen",
    ),
    (
        &["load-balancer.nlb_name=api_nlb"],
        "only letters, digits and hyphens",
    ),
    (
        &["load-balancer.placeholder_target_group_name=placeholder-target-group-way-too-long"],
        "at most 32",
    ),
    (
        &["load-balancer.placeholder_target_group_name="],
        "cannot be empty",
    ),
    (&["cluster-vpc.cluster_name=my cluster"], "letters, digits"),
    (&["task-definition.family=fam/ily"], "letters, digits"),
    (&["task-definition.container_name="], "cannot be empty"),
    (
        &["task-definition.execution_role=arn:aws:iam::123:user/bob"],
        "not an IAM role ARN",
    ),
    (
        &["task-definition.execution_role=role with spaces"],
        "do not allow",
    ),
    // Fargate sizes
    (&["task-definition.cpu=300"], "not a Fargate size"),
    (
        &["task-definition.cpu=256", "task-definition.memory=4096"],
        "does not pair",
    ),
    (
        &["task-definition.cpu=1024", "task-definition.memory=1024"],
        "does not pair",
    ),
    (
        &["task-definition.cpu=8192", "task-definition.memory=18432"],
        "does not pair",
    ),
    (&["task-definition.cpu=four"], "not a whole number"),
    // Ports
    (&["task-definition.container_port=0"], "not a TCP port"),
    (&["task-definition.container_port=70000"], "not a TCP port"),
    (&["task-definition.container_port=22"], "API Gateway"),
    (&["task-definition.container_port=-1"], "not a whole number"),
    // Image
    (&["task-definition.image="], "image is required"),
    (&["task-definition.image=nginx latest"], "whitespace"),
    // Shape of --set itself
    (&["task-definition.cpu"], "STEP.FIELD=VALUE"),
    (&["cpu=512"], "STEP.FIELD"),
    (&["nat.cpu=512"], "unknown step"),
    (&["task-definition.cpuu=512"], "unknown field"),
    (&["target-group-swap.x=1"], "has no inputs"),
    (&["rest-api.name=x"], "unknown field"),
    // Step 9: routes and stage
    (&["rest-api.routes="], "at least one route"),
    (&["rest-api.routes=FETCH /x"], "not a method"),
    (&["rest-api.routes=GET orders"], "start with `/`"),
    (&["rest-api.routes=GET /{proxy+}/more"], "last part"),
    (&["rest-api.routes=GET /a, get /a"], "listed twice"),
    (&["rest-api.routes=GET /{id}, PUT /{name}"], "one per level"),
    (&["rest-api.routes=GET /a%20b"], "valid path part"),
    (&["rest-api.stage_name=my stage"], "use letters, digits"),
    (&["rest-api.stage_name="], "1–128"),
    (&["rest-api.api_name="], "1–128"),
    // Step 10
    (&["done.smoke_path=health"], "start with /"),
    (&["done.smoke_path=/a b"], "no spaces"),
    (&["vpc-link.vpc_link_name=bad/name"], "use letters, digits"),
    (&["service.desired_count=0"], "outside 1–10"),
    (&["service.desired_count=11"], "outside 1–10"),
    (
        &["service.health_check_interval_seconds=2"],
        "outside 5–300",
    ),
    (&["service.deregistration_delay_seconds=5000"], "above 3600"),
    (
        &["service.target_group_name=demo-placeholder"],
        "must differ",
    ),
    (&["service.service_name=my service"], "letters, digits"),
];

#[test]
fn at_least_thirty_bad_inputs_are_each_rejected_clearly() {
    assert!(BAD.len() >= 30);
    for (sets, words) in BAD {
        match resolve(sets) {
            Ok(_) => panic!("{sets:?} was accepted"),
            Err(msg) => assert!(
                msg.contains(words),
                "{sets:?}: `{msg}` does not say `{words}`"
            ),
        }
    }
}

#[test]
fn errors_name_step_and_field() {
    let msg = resolve(&["task-definition.cpu=300"]).unwrap_err();
    assert!(msg.starts_with("task-definition.cpu:"), "{msg}");
    let msg = resolve(&["load-balancer.nlb_name=internal-x"]).unwrap_err();
    assert!(msg.starts_with("load-balancer.nlb_name:"), "{msg}");
}

#[test]
fn good_inputs_and_derived_names() {
    assert!(resolve(&[]).is_ok());
    let i = resolve(&[
        "task-definition.cpu=512",
        "task-definition.memory=2048",
        "task-definition.container_port=8080",
    ])
    .unwrap();
    assert_eq!(
        (i.task_definition.cpu, i.task_definition.memory),
        (512, 2048)
    );
    let i = resolve(&["cluster-vpc.availability_zones=us-east-1b, us-east-1c"]).unwrap();
    assert_eq!(
        i.cluster_vpc.availability_zones,
        ["us-east-1b", "us-east-1c"]
    );
    // Long session names still give valid ELB names.
    let long = Session::new("a-thirty-two-character-session-x", "us-east-1");
    let i = Inputs::resolve(&long, &[]).unwrap();
    assert!(
        i.load_balancer.nlb_name.len() <= 32
            && i.load_balancer.placeholder_target_group_name.len() <= 32
    );
    // A session called `internal` does not produce a reserved NLB name.
    let i = Inputs::resolve(&Session::new("internal", "us-east-1"), &[]).unwrap();
    assert!(
        !i.load_balancer.nlb_name.starts_with("internal-"),
        "{}",
        i.load_balancer.nlb_name
    );
}

#[test]
fn typed_values_from_a_file_are_checked_too() {
    let s = Session::new("demo", "us-east-1");
    let o = vec![Override {
        step: StepId::TaskDefinition,
        field: "cpu".into(),
        value: OverrideValue::Typed(serde_json::json!("lots")),
    }];
    let errs = Inputs::resolve(&s, &o).unwrap_err();
    assert_eq!(errs[0].field, "cpu");
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("inputs.toml");
    std::fs::write(&f, "[task-definition]\ncpu = 1024\nmemory = 4096\n[cluster-vpc]\navailability_zones = [\"us-east-1a\", \"us-east-1c\"]\n").unwrap();
    let o = gatewalk::steps::inputs::parse_file(&f).unwrap();
    let i = Inputs::resolve(&s, &o).unwrap();
    assert_eq!(i.task_definition.memory, 4096);
    assert_eq!(i.cluster_vpc.availability_zones[1], "us-east-1c");
}

/// The binary, given bad input, exits 2 with a message and opens no connection
/// to the endpoint at all.
#[test]
fn the_binary_makes_no_call_for_bad_input() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let endpoint = format!("http://{}", listener.local_addr().unwrap());
    let home = tempfile::tempdir().unwrap();
    for (args, words) in [
        (
            vec!["apply", "--set", "task-definition.cpu=300"],
            "not a Fargate size",
        ),
        (
            vec!["apply", "--set", "cluster-vpc.vpc_cidr=10.0.0.0/8"],
            "/16 to /28",
        ),
        (
            vec!["apply", "--set", "load-balancer.nlb_name=internal-x"],
            "internal-",
        ),
        (
            vec!["inputs", "--set", "task-definition.container_port=22"],
            "API Gateway",
        ),
        (
            vec![
                "plan",
                "--set",
                "private-subnet.private_subnet_cidr=10.0.1.0/24",
            ],
            "overlaps",
        ),
        (vec!["--region", "mars-1", "apply"], "not an AWS region"),
        (
            vec!["apply", "--set", "rest-api.routes=FETCH /x"],
            "not a method",
        ),
        (
            vec!["apply", "--set", "done.smoke_path=health"],
            "start with /",
        ),
    ] {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_gatewalk"))
            .env("GATEWALK_HOME", home.path())
            .env("AWS_ACCESS_KEY_ID", "testing")
            .env("AWS_SECRET_ACCESS_KEY", "testing")
            .env("AWS_REGION", "us-east-1")
            .arg("--endpoint-url")
            .arg(&endpoint)
            .args(&args)
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{args:?} succeeded");
        assert!(err.contains(words), "{args:?}: {err}");
        assert!(err.starts_with("gatewalk: "), "{err}");
        assert!(listener.accept().is_err(), "{args:?} opened a connection");
    }
    // Nor did bad input leave a session file behind.
    assert!(!home.path().join("sessions/demo.json").exists());
}

#[test]
fn a_malformed_endpoint_is_refused_before_any_call() {
    let home = tempfile::tempdir().unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_gatewalk"))
        .env("GATEWALK_HOME", home.path())
        .env("AWS_REGION", "us-east-1")
        .args(["--endpoint-url", "localhost:5000", "apply"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("must start with http:// or https://"));
    assert!(!home.path().join("sessions/demo.json").exists());
}
