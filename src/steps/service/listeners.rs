//! The NLB's listeners of step 6: the one API Gateway calls — TCP on the
//! container port, or with `load-balancer.tls` TLS on 443 with the step-4
//! certificate and a current security policy — and, only when asked
//! (`plain_listener`), a plain TCP one beside it. A listener of this session
//! on a port no longer wanted goes, so nothing unencrypted stays open by
//! accident. Apply, checks and teardown.

use super::keys::{LISTENER, PLAIN_LISTENER};
use super::{forward, forwards_to, owned};
use crate::aws::CallExt;
use crate::aws::elb::{Listeners, elb_owned};
use crate::aws::error::returned;
use crate::aws::kind::{At, Kind};
use crate::aws::tags::Owner;
use crate::error::Result;
use crate::inputs::load_balancer::TLS_POLICY;
use crate::model::{Fix, StepId};
use crate::session::{Session, SessionHandle};
use crate::steps::resource::{Origin, Owned};
use crate::steps::{Check, StepCx};
use aws_sdk_elasticloadbalancingv2::types::{Certificate, Listener, ProtocolEnum};

const APPLY: Fix = Fix::Apply(StepId::Service);

/// Whether a security policy is current: a TLS 1.3 policy that allows
/// nothing older than TLS 1.2 (`ELBSecurityPolicy-TLS13-1-2-…`,
/// `…-TLS13-1-3-…`), the family the ELB guide recommends for NLB TLS
/// listeners; anything else still allows TLS 1.0/1.1 or lacks TLS 1.3.
fn policy_is_current(p: &str) -> bool {
    [
        "ELBSecurityPolicy-TLS13-1-2-",
        "ELBSecurityPolicy-TLS13-1-3-",
    ]
    .iter()
    .any(|prefix| p.starts_with(prefix))
}

/// The listener's shape the inputs want: (port, certificate when TLS).
struct Want {
    port: u32,
    cert: Option<String>,
}

fn want(cx: StepCx<'_>, s: &Session) -> Want {
    Want {
        port: cx.inputs.listener_port(),
        cert: crate::steps::load_balancer::tls::certificate_of(cx.inputs, s).map(str::to_string),
    }
}

/// Whether a listener is TLS with this certificate and the chosen policy.
fn tls_as_wanted(l: &Listener, cert: &str) -> bool {
    l.protocol() == Some(&ProtocolEnum::Tls)
        && l.certificates()
            .iter()
            .any(|c| c.certificate_arn() == Some(cert))
        && l.ssl_policy() == Some(TLS_POLICY)
}

/// Apply: the listener API Gateway calls, the plain one when asked, and
/// none of this session's on other ports.
pub(super) async fn ensure(
    cx: StepCx<'_>,
    h: &mut SessionHandle,
    nlb: &str,
    tg: &str,
) -> Result<()> {
    let w = want(cx, h.session());
    let i = &cx.inputs.load_balancer;
    if i.tls && w.cert.is_none() {
        // Step 4 makes the certificate; a listener without it would be
        // plain TCP on 443.
        return Err(crate::Error::NotReady {
            step: StepId::Service,
            needs: StepId::LoadBalancer,
        });
    }
    if i.tls && h.session().is_yours(LISTENER) {
        return Err(crate::Error::Conflict(format!(
            "your listener {} is bound to this session, and gatewalk does not move a listener of yours to \
             another port or re-encrypt it.\n  hint: add a TLS listener on 443 yourself and bind it \
             (--bind listener_arn=ARN), or let yours go (--bind listener_arn=none) so gatewalk makes its own",
            h.session().output(LISTENER).unwrap_or("?")
        )));
    }
    let mut keep = vec![settle(cx, h, &owned::LISTENER, nlb, tg, &w).await?];
    if i.tls && i.plain_listener {
        let port = cx.inputs.task_definition.container_port;
        let plain = Want { port, cert: None };
        keep.push(settle(cx, h, &owned::PLAIN_LISTENER, nlb, tg, &plain).await?);
    } else if h.session().output(PLAIN_LISTENER).is_some() {
        h.forget(PLAIN_LISTENER)?;
    }
    // Make before break: a listener the live API still calls stays until
    // step 9 points the API at the new one (then `retire_unwanted`).
    let called = called_ports(cx, h.session()).await?;
    for l in all_on(cx, nlb).await? {
        if let (Some(arn), Some(port)) = (l.listener_arn(), l.port())
            && called.contains(&port)
            && !keep.iter().any(|k| k == arn)
        {
            cx.progress.info(format!(
                "listener on port {port} stays until step 9 moves the API to the new one"
            ));
            keep.push(arn.to_string());
        }
    }
    retire(cx, h, nlb, &keep).await
}

/// After step 9: this session's listeners other than the wanted ones go.
pub(crate) async fn retire_unwanted(cx: StepCx<'_>, h: &SessionHandle) -> Result<()> {
    let s = h.session();
    let Some(nlb) = s.output(crate::steps::load_balancer::keys::NLB) else {
        return Ok(());
    };
    let keep: Vec<String> = [LISTENER, PLAIN_LISTENER]
        .iter()
        .filter_map(|k| s.output(*k).map(str::to_string))
        .collect();
    retire(cx, h, nlb, &keep).await
}

/// The ports the live API's integrations call.
async fn called_ports(cx: StepCx<'_>, s: &Session) -> Result<Vec<i32>> {
    let Some(api) = s.output(crate::model::OutputKey::RestApi) else {
        return Ok(Vec::new());
    };
    let live = match crate::steps::rest_api::live::read_api(cx.aws, api).await {
        Ok(l) => l,
        Err(crate::Error::Aws(e)) if e.is_not_found() => return Ok(Vec::new()),
        Err(e) => return Err(e),
    };
    Ok(live
        .methods
        .iter()
        .filter_map(|m| m.integration.as_ref())
        .filter_map(|i| uri_port(&i.uri))
        .collect())
}

/// The port a URI names, or its scheme's.
fn uri_port(uri: &str) -> Option<i32> {
    let (scheme, rest) = uri.split_once("://")?;
    let authority = rest.split('/').next()?;
    match authority.rsplit_once(':') {
        Some((_, p)) => p.parse().ok(),
        None if scheme == "https" => Some(443),
        None => Some(80),
    }
}

/// One listener: found on its port or created, then forwarding to `tg` and
/// (TLS) with the certificate and policy; returns its ARN.
async fn settle(
    cx: StepCx<'_>,
    h: &mut SessionHandle,
    decl: &Owned<Listeners>,
    nlb: &str,
    tg: &str,
    w: &Want,
) -> Result<String> {
    let aws = cx.aws;
    let owner = Owner::of(h.session());
    let t = decl.tags(&owner);
    let port = w.port;
    let got = decl
        .ensure(cx, h, At::ANY.inside(nlb).on_port(port), || async {
            let mut req = aws
                .elb
                .create_listener()
                .load_balancer_arn(nlb)
                .port(crate::model::api_int(port))
                .default_actions(forward(tg))
                .set_tags(Some(t.elb(&format!("{owner}-{port}"))));
            req = match &w.cert {
                Some(cert) => req
                    .protocol(ProtocolEnum::Tls)
                    .certificates(Certificate::builder().certificate_arn(cert).build())
                    .ssl_policy(TLS_POLICY),
                None => req.protocol(ProtocolEnum::Tcp),
            };
            let out = req.send().await.ctx("elbv2", "CreateListener")?;
            returned(
                out.listeners().first(),
                "elbv2",
                "CreateListener",
                "Listeners",
            )
        })
        .await?;
    if got.origin == Origin::Created {
        return Ok(got.id);
    }
    // A listener of yours keeps its protocol, port and certificate: only
    // its forward action is the walkthrough's (step 7).
    let yours = got.origin == Origin::Yours;
    let shape_ok = yours
        || (w
            .cert
            .as_deref()
            .is_none_or(|c| tls_as_wanted(&got.item, c))
            && (w.cert.is_some() || got.item.protocol() == Some(&ProtocolEnum::Tcp)));
    let what = if yours {
        format!("forward to {}", crate::text::short_arn(tg))
    } else {
        describe(w, tg)
    };
    if (forwards_to(&got.item) != Some(tg) || !shape_ok) && decl.may_change(cx, h, &got, &what)? {
        let mut req = aws
            .elb
            .modify_listener()
            .listener_arn(&got.id)
            .default_actions(forward(tg));
        req = match (&w.cert, yours) {
            (_, true) => req,
            (Some(cert), false) => req
                .protocol(ProtocolEnum::Tls)
                .certificates(Certificate::builder().certificate_arn(cert).build())
                .ssl_policy(TLS_POLICY),
            (None, false) => req.protocol(ProtocolEnum::Tcp),
        };
        req.send().await.ctx("elbv2", "ModifyListener")?;
        cx.progress.info(format!("listener on port {port}: {what}"));
    }
    Ok(got.id)
}

fn describe(w: &Want, tg: &str) -> String {
    match &w.cert {
        Some(c) => format!(
            "TLS with certificate {} and policy {TLS_POLICY}, forwarding to {}",
            crate::text::short_arn(c),
            crate::text::short_arn(tg)
        ),
        None => format!("TCP, forwarding to {}", crate::text::short_arn(tg)),
    }
}

/// This session's listeners on the NLB, other than `keep`, go.
async fn retire(cx: StepCx<'_>, h: &SessionHandle, nlb: &str, keep: &[String]) -> Result<()> {
    let owner = Owner::of(h.session());
    for l in all_on(cx, nlb).await? {
        let Some(arn) = l.listener_arn() else {
            continue;
        };
        if keep.iter().any(|k| k == arn) || !elb_owned(cx.aws, arn, &owner).await? {
            continue;
        }
        Listeners::delete(cx.aws, cx.progress, &l, "listener").await?;
        cx.progress.deleted(
            &format!(
                "listener on port {} (no longer wanted)",
                l.port().unwrap_or(0)
            ),
            arn,
        );
    }
    Ok(())
}

async fn all_on(cx: StepCx<'_>, nlb: &str) -> Result<Vec<Listener>> {
    let r = cx
        .aws
        .elb
        .describe_listeners()
        .load_balancer_arn(nlb)
        .send()
        .await
        .ctx("elbv2", "DescribeListeners");
    Ok(crate::aws::error::optional(r)?
        .map(|o| o.listeners().to_vec())
        .unwrap_or_default())
}

/// Teardown: both listeners, found on their ports or recorded.
pub(super) async fn remove(cx: StepCx<'_>, h: &mut SessionHandle) -> Result<()> {
    let Some(nlb) = h
        .session()
        .output(crate::steps::load_balancer::keys::NLB)
        .map(str::to_string)
    else {
        h.forget(LISTENER)?;
        return h.forget(PLAIN_LISTENER);
    };
    let main_port = cx.inputs.listener_port();
    let plain_port = cx.inputs.task_definition.container_port;
    owned::LISTENER
        .delete_owned(cx, h, At::ANY.inside(&nlb).on_port(main_port))
        .await?;
    owned::PLAIN_LISTENER
        .delete_owned(cx, h, At::ANY.inside(&nlb).on_port(plain_port))
        .await?;
    // Any other of this session's (inputs changed since the last apply).
    retire(cx, h, &nlb, &[]).await
}

/// Plan lines: the listener API Gateway calls, and the plain one when asked.
pub(super) fn plan(inputs: &crate::inputs::Inputs, s: &Session) -> Vec<crate::model::Change> {
    let port = inputs.listener_port();
    let mut v = vec![if inputs.load_balancer.tls {
        let cert =
            crate::steps::load_balancer::tls::certificate_of(inputs, s).unwrap_or("$CERT_ARN");
        owned::LISTENER.change(
            s,
            format!(
                "NLB listener TLS {port} with the certificate for {}, policy {TLS_POLICY} → the service's target group \
                 (before the service: AWS requires it); nothing listens unencrypted",
                inputs.load_balancer.dns_name
            ),
            format!(
                "aws elbv2 create-listener --load-balancer-arn \"$NLB_ARN\" --protocol TLS --port {port} \
                 --certificates CertificateArn=\"{cert}\" --ssl-policy {TLS_POLICY} \
                 --default-actions Type=forward,TargetGroupArn=\"$TG_ARN\""
            ),
        )
    } else {
        owned::LISTENER.change(
            s,
            format!("NLB listener TCP {port} → the service's target group (before the service: AWS requires it)"),
            format!(
                "aws elbv2 create-listener --load-balancer-arn \"$NLB_ARN\" --protocol TCP --port {port} \
                 --default-actions Type=forward,TargetGroupArn=\"$TG_ARN\""
            ),
        )
    }];
    let plain_port = inputs.task_definition.container_port;
    let recorded = s.output(LISTENER).is_some() && !s.is_yours(LISTENER);
    if recorded && inputs.load_balancer.tls && !inputs.load_balancer.plain_listener {
        v.push(crate::model::Change {
            action: crate::model::ChangeAction::Delete,
            resource: format!(
                "this session's plain listener on port {plain_port}, if there is one (once step 9 points the API at TLS)"
            ),
            cli: "aws elbv2 delete-listener --listener-arn \"$PLAIN_LISTENER_ARN\"".into(),
        });
    }
    if recorded
        && !inputs.load_balancer.tls
        && s.output(crate::model::OutputKey::Certificate).is_some()
    {
        v.push(crate::model::Change {
            action: crate::model::ChangeAction::Delete,
            resource: format!(
                "the TLS listener on {} (once step 9 points the API at TCP {plain_port}), then the certificate gatewalk requested",
                crate::inputs::load_balancer::TLS_PORT
            ),
            cli: "aws elbv2 delete-listener --listener-arn \"$TLS_LISTENER_ARN\" && aws acm delete-certificate --certificate-arn \"$CERT_ARN\"".into(),
        });
    }
    if inputs.load_balancer.tls && inputs.load_balancer.plain_listener {
        let plain = inputs.task_definition.container_port;
        v.push(owned::PLAIN_LISTENER.change(
            s,
            format!("plain NLB listener TCP {plain} → the service's target group (kept, as asked)"),
            format!(
                "aws elbv2 create-listener --load-balancer-arn \"$NLB_ARN\" --protocol TCP --port {plain} \
                 --default-actions Type=forward,TargetGroupArn=\"$TG_ARN\""
            ),
        ));
    }
    v
}

/// With TLS: the listener is TLS with the certificate, its policy is
/// current, and no plain listener is open unless asked.
pub(super) async fn validate(cx: StepCx<'_>, s: &Session, c: &mut Vec<Check>) -> Result<()> {
    let i = &cx.inputs.load_balancer;
    let nlb = s
        .output(crate::steps::load_balancer::keys::NLB)
        .unwrap_or_default();
    if !i.tls || nlb.is_empty() {
        return Ok(());
    }
    let listeners = all_on(cx, nlb).await?;
    let w = want(cx, s);
    let tls = listeners
        .iter()
        .find(|l| l.port() == Some(crate::model::api_int(w.port)));
    let title = format!("NLB listener on {} is TLS with the certificate", w.port);
    c.push(match (tls, w.cert.as_deref()) {
        (None, _) => Check::fail(title, "no listener", APPLY),
        (Some(_), None) => Check::fail(
            title,
            "no certificate yet",
            Fix::Apply(StepId::LoadBalancer),
        ),
        (Some(l), Some(cert)) => Check::expect(
            title,
            l.protocol() == Some(&ProtocolEnum::Tls)
                && l.certificates()
                    .iter()
                    .any(|x| x.certificate_arn() == Some(cert)),
            format!(
                "{} {}",
                l.protocol().map_or("?", ProtocolEnum::as_str),
                l.certificates()
                    .iter()
                    .filter_map(|x| x.certificate_arn())
                    .map(crate::text::short_arn)
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            APPLY,
        ),
    });
    if let Some(l) = tls.filter(|l| l.protocol() == Some(&ProtocolEnum::Tls)) {
        let policy = l.ssl_policy().unwrap_or("none");
        c.push(Check::expect(
            "TLS security policy is current",
            policy_is_current(policy),
            policy,
            format!("{policy} allows TLS older than 1.2 or lacks TLS 1.3; apply sets {TLS_POLICY}"),
        ));
    }
    // The listener on the TLS port has a check of its own (above).
    let plain: Vec<String> = listeners
        .iter()
        .filter(|l| l.protocol() != Some(&ProtocolEnum::Tls))
        .filter(|l| l.port() != Some(crate::model::api_int(w.port)))
        .map(|l| {
            format!(
                "{} {}",
                l.protocol().map_or("?", ProtocolEnum::as_str),
                l.port().unwrap_or(0)
            )
        })
        .collect();
    if i.plain_listener {
        let port = crate::model::api_int(cx.inputs.task_definition.container_port);
        let kept = listeners
            .iter()
            .any(|l| l.protocol() == Some(&ProtocolEnum::Tcp) && l.port() == Some(port));
        c.push(Check::expect(
            "plain listener kept, as asked",
            kept,
            if plain.is_empty() {
                "none".into()
            } else {
                plain.join(", ")
            },
            APPLY,
        ));
    } else {
        c.push(unencrypted(cx, s, &listeners, plain).await?);
    }
    Ok(())
}

/// `no unencrypted listener is open`: one of this session's that the live
/// API still calls (TLS just turned on) goes after step 9; any other is
/// named with how to remove it.
async fn unencrypted(
    cx: StepCx<'_>,
    s: &Session,
    listeners: &[Listener],
    plain: Vec<String>,
) -> Result<Check> {
    let name = "no unencrypted listener is open";
    if plain.is_empty() {
        return Ok(Check::pass(name, "none"));
    }
    let called = called_ports(cx, s).await?;
    let owner = Owner::of(s);
    let mut for_the_api = true;
    let tls_port = crate::model::api_int(cx.inputs.listener_port());
    for l in listeners
        .iter()
        .filter(|l| l.protocol() != Some(&ProtocolEnum::Tls) && l.port() != Some(tls_port))
    {
        let ours = match l.listener_arn() {
            Some(arn) => elb_owned(cx.aws, arn, &owner).await?,
            None => false,
        };
        for_the_api &= ours && l.port().is_some_and(|p| called.contains(&p));
    }
    Ok(if for_the_api {
        Check::fail(
            name,
            format!("{} (kept while the API still calls it)", plain.join(", ")),
            Fix::Apply(StepId::RestApi),
        )
    } else {
        Check::fail(
            name,
            plain.join(", "),
            "apply removes gatewalk's; delete any other with `aws elbv2 delete-listener --listener-arn ARN`, or set load-balancer.plain_listener=true to keep one",
        )
    })
}

#[cfg(test)]
mod tests {
    use super::{policy_is_current, uri_port};

    #[test]
    fn a_uri_names_its_port_or_its_schemes() {
        assert_eq!(uri_port("https://api.example.com/{proxy}"), Some(443));
        assert_eq!(uri_port("http://nlb:80/"), Some(80));
        assert_eq!(uri_port("http://nlb:8080/x"), Some(8080));
        assert_eq!(uri_port("nonsense"), None);
    }

    #[test]
    fn only_tls13_policies_without_tls_1_0_or_1_1_are_current() {
        assert!(policy_is_current("ELBSecurityPolicy-TLS13-1-2-2021-06"));
        assert!(policy_is_current(
            "ELBSecurityPolicy-TLS13-1-2-Res-PQ-2025-09"
        ));
        assert!(policy_is_current("ELBSecurityPolicy-TLS13-1-3-2021-06"));
        for dated in [
            "ELBSecurityPolicy-2016-08",
            "ELBSecurityPolicy-TLS13-1-0-FIPS-2023-04",
            "ELBSecurityPolicy-TLS13-1-1-2021-06",
            "ELBSecurityPolicy-TLS-1-2-2017-01",
            "ELBSecurityPolicy-FS-1-2-Res-2020-10",
        ] {
            assert!(!policy_is_current(dated), "{dated}");
        }
    }
}
