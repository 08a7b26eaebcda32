//! The life cycle every owned resource shares, written once: a step declares
//! each resource it owns ([`Owned`]: the step and output key it is recorded
//! under, its tag role, what to call it) and calls [`Owned::ensure`] in apply,
//! [`Owned::delete_owned`] in teardown and [`Owned::change`] in plan.
//!
//! `ensure` settles what a run interrupted at any point left behind: the
//! recorded resource if it still exists, else one found by this session's
//! tags (or by name, judged by its tags), else it writes the intent, creates,
//! and records the id the moment AWS returns it.

use super::{Change, StepCx, StepId};
use crate::aws::kind::{At, Kind, Lookup};
use crate::aws::tags::{Owner, ResourceTags};
use crate::error::{Error, Result};
use crate::session::{Session, SessionHandle};
use std::future::Future;
use std::marker::PhantomData;

/// What gatewalk does with a resource found by name that another session or
/// the user owns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Foreign {
    /// Refuse (exit 2): the name belongs to someone else; the input that
    /// chose it is named in the hint.
    Refuse(&'static str),
    /// Use it as it is and never change or delete it (an ECS cluster of the
    /// same name: the walkthrough's "use your cluster").
    Use,
}

/// One resource a step owns.
#[derive(Debug)]
pub struct Owned<K> {
    /// The step that records it.
    pub step: StepId,
    /// Its output key in the session.
    pub key: &'static str,
    /// Its `gatewalk:role` tag.
    pub role: &'static str,
    /// What progress lines call it ("public subnet").
    pub noun: &'static str,
    /// The call that creates it (written down as the intent).
    pub create_op: &'static str,
    /// What to do with a same-named resource that is not this session's.
    pub foreign: Foreign,
    kind: PhantomData<fn() -> K>,
}

/// How [`Owned::ensure`] came by the resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// This session's, already there.
    Reused,
    /// Created by this call.
    Created,
    /// Someone else's, used and never changed ([`Foreign::Use`]).
    Foreign,
}

/// A resource [`Owned::ensure`] settled.
#[derive(Debug, Clone)]
pub struct Got<T> {
    /// As AWS described (or created) it.
    pub item: T,
    /// Its id (or ARN), as recorded.
    pub id: String,
    /// How it came to be.
    pub origin: Origin,
}

impl<K: Kind> Owned<K> {
    /// A resource recorded under `step`/`key`, tagged with `role`, found by
    /// tags (or by name, refusing another owner's: see [`Owned::foreign`]).
    pub const fn new(
        step: StepId,
        key: &'static str,
        role: &'static str,
        noun: &'static str,
        create_op: &'static str,
    ) -> Self {
        Self {
            step,
            key,
            role,
            noun,
            create_op,
            foreign: Foreign::Use,
            kind: PhantomData,
        }
    }

    /// The same declaration with another policy for a foreign resource of
    /// the same name.
    pub const fn foreign(mut self, f: Foreign) -> Self {
        self.foreign = f;
        self
    }

    /// This session's tags for it.
    pub fn tags<'a>(&'a self, owner: &'a Owner) -> ResourceTags<'a> {
        owner.tags(self.role)
    }

    /// The id the session has recorded for it.
    pub fn recorded<'s>(&self, s: &'s Session) -> Option<&'s str> {
        s.output(self.step, self.key)
    }

    /// Its plan line: created if the session has no id for it, else kept.
    pub fn change(&self, s: &Session, what: String, cli: String) -> Change {
        Change::create_or_keep(self.recorded(s), what, cli)
    }

    /// The `--tag-specifications` an AWS CLI user would pass to create it
    /// (`resource_type` as EC2 spells it: `vpc`, `subnet`, …).
    pub fn cli_tags(&self, s: &Session, resource_type: &str) -> String {
        format!(
            "--tag-specifications 'ResourceType={resource_type},Tags=[{{Key={},Value={}}},{{Key={},Value={}}}]'",
            crate::aws::tags::SESSION_KEY,
            s.name,
            crate::aws::tags::ROLE_KEY,
            self.role
        )
    }

    /// This session's resources of this declaration (`at`: a name, parent or
    /// port the step knows; `recorded`: the id the session has).
    pub async fn find(
        &self,
        cx: StepCx<'_>,
        owner: &Owner,
        recorded: Option<&str>,
        at: At<'_>,
    ) -> Result<Vec<K::Item>> {
        let l = self.lookup(owner, recorded, at);
        let mut mine = Vec::new();
        for item in K::find(cx.aws, &l).await? {
            if K::owned(cx.aws, &item, owner).await? {
                mine.push(item);
            }
        }
        Ok(mine)
    }

    fn lookup<'a>(&'a self, owner: &'a Owner, recorded: Option<&'a str>, at: At<'a>) -> Lookup<'a> {
        Lookup {
            tags: self.tags(owner),
            owner,
            at,
            recorded,
        }
    }

    /// The recorded resource, else this session's found by tags or name,
    /// else a new one from `create` — with the intent written before and the
    /// id recorded the moment it exists. Progress says which.
    pub async fn ensure<F, Fut>(
        &self,
        cx: StepCx<'_>,
        h: &mut SessionHandle,
        at: At<'_>,
        create: F,
    ) -> Result<Got<K::Item>>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<K::Item>>,
    {
        let owner = Owner::of(h.session());
        let recorded = self.recorded(h.session()).map(str::to_string);
        let l = self.lookup(&owner, recorded.as_deref(), at);
        let found: Vec<K::Item> = K::find(cx.aws, &l)
            .await?
            .into_iter()
            .filter(K::usable)
            .collect();
        let chosen = recorded
            .as_deref()
            .and_then(|r| found.iter().find(|i| K::id(i) == Some(r)))
            .or_else(|| found.first())
            .cloned();
        if let Some(item) = chosen {
            let id = K::required_id(&item, K::LIST_OP)?;
            let origin = if K::owned(cx.aws, &item, &owner).await? {
                cx.progress.reused(self.noun, &id);
                Origin::Reused
            } else {
                self.foreign_found(at.name.unwrap_or(&id), &owner, cx)?
            };
            h.record(self.step, self.key, &id)?;
            return Ok(Got { item, id, origin });
        }
        h.creating(self.step, self.key, self.create_op)?;
        let item = create().await?;
        let id = K::required_id(&item, self.create_op)?;
        h.record(self.step, self.key, &id)?;
        cx.progress.created(self.noun, &id);
        Ok(Got {
            item,
            id,
            origin: Origin::Created,
        })
    }

    fn foreign_found(&self, name: &str, owner: &Owner, cx: StepCx<'_>) -> Result<Origin> {
        match self.foreign {
            Foreign::Use => {
                cx.progress.info(format!(
                    "using your existing {} {name} (gatewalk will never change or delete it)",
                    self.noun
                ));
                Ok(Origin::Foreign)
            }
            Foreign::Refuse(input) => Err(Error::Conflict(format!(
                "a {} with this name already exists and does not belong to session `{owner}`.\n  \
                 hint: choose another name with --set {input}=NAME",
                self.noun
            ))),
        }
    }

    /// Deletes every resource of this declaration that carries this
    /// session's tags (never another's), waiting until AWS lets go of each,
    /// then forgets the recorded id.
    pub async fn delete_owned(
        &self,
        cx: StepCx<'_>,
        h: &mut SessionHandle,
        at: At<'_>,
    ) -> Result<()> {
        let owner = Owner::of(h.session());
        let recorded = self.recorded(h.session()).map(str::to_string);
        for item in self.find(cx, &owner, recorded.as_deref(), at).await? {
            let id = K::required_id(&item, K::LIST_OP)?;
            K::delete(cx.aws, cx.progress, &item, self.noun).await?;
            cx.progress.deleted(self.noun, &id);
        }
        h.forget(self.step, self.key)
    }
}
