//! What gatewalk must know about each kind of resource it owns, so one life
//! cycle (`steps::resource`) serves them all: how this session's ones are
//! found, which field is the id, whether an item found by name is ours, and how
//! one is deleted until AWS lets go of it. Each kind is implemented beside its
//! service's calls (`aws/ec2.rs`, `aws/elb.rs`, …).

use super::tags::{Owner, ResourceTags};
use super::{AwsContext, Required};
use crate::error::Result;
use crate::progress::Progress;
use std::future::Future;

/// Where a resource is, beyond its tags: what a step knows about it.
#[derive(Debug, Clone, Copy, Default)]
pub struct At<'a> {
    /// The name, for kinds AWS looks up by name (a cluster, a load balancer).
    pub name: Option<&'a str>,
    /// The parent, for kinds that live inside another (a listener's load
    /// balancer, a service's cluster).
    pub parent: Option<&'a str>,
    /// The port, for a listener.
    pub port: Option<u32>,
}

impl<'a> At<'a> {
    /// Found by tags alone.
    pub const ANY: At<'static> = At {
        name: None,
        parent: None,
        port: None,
    };

    /// Found by this name.
    pub const fn named(name: &'a str) -> Self {
        At {
            name: Some(name),
            parent: None,
            port: None,
        }
    }

    /// Inside this parent (an ARN or name).
    #[must_use]
    pub const fn inside(mut self, parent: &'a str) -> Self {
        self.parent = Some(parent);
        self
    }

    /// On this port.
    #[must_use]
    pub const fn on_port(mut self, port: u32) -> Self {
        self.port = Some(port);
        self
    }
}

/// How to look for a resource before creating it.
#[derive(Debug, Clone)]
pub struct Lookup<'a> {
    /// This session's tags for the resource's role.
    pub tags: ResourceTags<'a>,
    /// The session that owns it (for kinds found by name, whose tags are
    /// judged after the lookup).
    pub owner: &'a Owner,
    /// What the step knows of where it is.
    pub at: At<'a>,
    /// The id the session recorded for it, if any. Kinds found by tags do not
    /// need it; a load balancer without a name given is looked up by it, and
    /// target groups add it to those found by tags (teardown).
    pub recorded: Option<&'a str>,
}

/// A kind of AWS resource gatewalk creates, finds again and deletes.
pub trait Kind: Sync {
    /// What the describe call returns for one resource.
    type Item: Clone + Send + Sync;
    /// Service name, as errors show it (`ec2`, `elbv2`).
    const SERVICE: &'static str;
    /// The call that lists it (for an answer that leaves the id out).
    const LIST_OP: &'static str;
    /// The id field of [`Self::Item`] (for the same).
    const ID_FIELD: &'static str;

    /// The item's id (or ARN).
    fn id(item: &Self::Item) -> Option<&str>;

    /// The item's id, which an answer of `operation` must carry.
    fn required_id(item: &Self::Item, operation: &'static str) -> Result<String> {
        Self::id(item).required(Self::SERVICE, operation, Self::ID_FIELD)
    }

    /// Candidates for this session's resource. Kinds found by tags return
    /// only items carrying them (checked client-side: emulators ignore some
    /// tag filters); kinds found by name return the item of that name,
    /// whoever owns it, and [`Kind::owned`] judges it.
    fn find(
        aws: &AwsContext,
        l: &Lookup<'_>,
    ) -> impl Future<Output = Result<Vec<Self::Item>>> + Send;

    /// The resource with this id (or ARN), `None` when AWS no longer has it
    /// (or has it only as deleted): how a resource bound as yours is read,
    /// whatever its tags.
    fn get(aws: &AwsContext, id: &str) -> impl Future<Output = Result<Option<Self::Item>>> + Send;

    /// Everything of this kind that teardown must consider: by default what
    /// [`Kind::find`] returns; kinds with many versions (task definition
    /// revisions) return all of them.
    fn find_all(
        aws: &AwsContext,
        l: &Lookup<'_>,
    ) -> impl Future<Output = Result<Vec<Self::Item>>> + Send {
        Self::find(aws, l)
    }

    /// Whether an item found can be used as it is; one that cannot (a VPC
    /// link AWS marked FAILED) is replaced by a new one, and deleted with
    /// the rest at teardown.
    fn usable(_item: &Self::Item) -> bool {
        true
    }

    /// Why an item of this session's can be neither used nor replaced yet
    /// (an ECS service still DRAINING after a delete), if so: apply stops
    /// and asks to run again, instead of creating a second one beside it.
    fn settling(_item: &Self::Item) -> Option<String> {
        None
    }

    /// Whether this session owns an item [`Kind::find`] returned. Items found
    /// by tags are ours by construction.
    fn owned(
        _aws: &AwsContext,
        _item: &Self::Item,
        _owner: &Owner,
    ) -> impl Future<Output = Result<bool>> + Send {
        async { Ok(true) }
    }

    /// Deletes the item, retrying while AWS still holds it (dependencies,
    /// network interfaces), and returns once it is gone or going for good.
    fn delete(
        aws: &AwsContext,
        p: &Progress,
        item: &Self::Item,
        noun: &str,
    ) -> impl Future<Output = Result<()>> + Send;
}
