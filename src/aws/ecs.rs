//! ECS reads that need more than one call: a cluster's services, all pages,
//! described with their tags (ECS returns none unless asked).

use super::find::Tagged;
use super::tags::SESSION_KEY;
use super::{AwsContext, CallExt};
use crate::aws::Required;
use crate::error::Result;

/// The services of a cluster that carry the session's tag and are not INACTIVE.
pub(crate) async fn session_services(
    aws: &AwsContext,
    cluster: &str,
    session: &str,
) -> Result<Vec<Tagged>> {
    let mut arns = Vec::new();
    let mut token = None;
    loop {
        let page = aws
            .ecs
            .list_services()
            .cluster(cluster)
            .set_next_token(token)
            .send()
            .await
            .ctx("ecs", "ListServices")?;
        arns.extend(page.service_arns().iter().cloned());
        token = page.next_token().map(str::to_string);
        if token.is_none() {
            break;
        }
    }
    let mut out = Vec::new();
    // DescribeServices takes at most 10 services a call.
    for chunk in arns.chunks(10) {
        let d = aws
            .ecs
            .describe_services()
            .cluster(cluster)
            .set_services(Some(chunk.to_vec()))
            .include(aws_sdk_ecs::types::ServiceField::Tags)
            .send()
            .await
            .ctx("ecs", "DescribeServices")?;
        for svc in d.services() {
            let mine = svc
                .tags()
                .iter()
                .any(|t| t.key() == Some(SESSION_KEY) && t.value() == Some(session));
            if mine && svc.status() != Some("INACTIVE") {
                out.push(Tagged {
                    kind: "ecs:service".into(),
                    id: svc
                        .service_arn()
                        .required("ecs", "DescribeServices", "serviceArn")?,
                    session_id: super::tags::session_id_of(
                        svc.tags().iter().map(|t| (t.key(), t.value())),
                    ),
                });
            }
        }
    }
    Ok(out)
}
