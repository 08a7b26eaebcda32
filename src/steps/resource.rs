//! The life cycle every owned resource shares, written once: a step declares
//! each resource it owns ([`Owned`]: the output key it is recorded
//! under, its tag role, what to call it) and calls [`Owned::ensure`] in apply,
//! [`Owned::delete_owned`] in teardown and [`Owned::change`] in plan.
//!
//! `ensure` settles what a run interrupted at any point left behind: the
//! recorded resource if it still exists, else one found by this session's
//! tags (or by name, judged by its tags), else it writes the intent, creates,
//! and records the id the moment AWS returns it.

use super::{Change, StepCx};
use crate::aws::kind::{At, Kind, Lookup};
use crate::aws::tags::{Owner, ResourceTags};
use crate::error::{Error, Result};
use crate::model::OutputKey;
use crate::session::{Session, SessionHandle};
use std::future::Future;
use std::marker::PhantomData;

/// What gatewalk does with a resource found by name that another session or
/// the user owns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Foreign {
    /// Refuse: the name belongs to someone else. The hint names the input
    /// that chose the name (empty: no input does).
    Refuse(&'static str),
    /// Refuse, and say how to use it instead: the input names a resource of
    /// yours to use as it is (an execution role of your own).
    RefuseOrName(&'static str),
    /// Use it as it is and never change or delete it (an ECS cluster of the
    /// same name: the walkthrough's "use your cluster").
    Use,
}

/// One resource a step owns.
#[derive(Debug)]
pub struct Owned<K> {
    /// Its output key in the session.
    pub key: OutputKey,
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
    /// Yours, bound to this session (by `adopt`): used, never created or
    /// deleted, changed only when you agree ([`Owned::may_change`]).
    Yours,
}

impl Origin {
    /// Whether gatewalk made it (this run or an earlier one).
    pub fn is_ours(self) -> bool {
        matches!(self, Origin::Reused | Origin::Created)
    }
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
    /// A resource recorded under `key` (by the step that owns the key),
    /// tagged with `role`, found by
    /// tags (or by name, refusing one another owner has: see
    /// [`Owned::foreign`] to name the input or to use it instead).
    pub const fn new(
        key: OutputKey,
        role: &'static str,
        noun: &'static str,
        create_op: &'static str,
    ) -> Self {
        Self {
            key,
            role,
            noun,
            create_op,
            foreign: Foreign::Refuse(""),
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
        s.output(self.key)
    }

    /// Its plan line: created if the session has no id for it, else kept
    /// (and said to be yours when it is).
    pub fn change(&self, s: &Session, what: String, cli: String) -> Change {
        match self.recorded(s) {
            Some(id) if s.is_yours(self.key) => Change {
                action: crate::model::ChangeAction::Keep,
                resource: format!("{what} ({id}, yours)"),
                cli,
            },
            recorded => Change::create_or_keep(recorded, what, cli),
        }
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
        self.settle(cx, h, at, |_| true, || async { Ok(()) }, create)
            .await
    }

    /// [`Owned::ensure`] with `before` run only when a resource must be
    /// created, and before the intent is written (a wait for what the create
    /// call needs, a prerequisite made once per account).
    pub async fn ensure_prepared<B, BF, F, Fut>(
        &self,
        cx: StepCx<'_>,
        h: &mut SessionHandle,
        at: At<'_>,
        before: B,
        create: F,
    ) -> Result<Got<K::Item>>
    where
        B: FnOnce() -> BF,
        BF: Future<Output = Result<()>>,
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<K::Item>>,
    {
        self.settle(cx, h, at, |_| true, before, create).await
    }

    /// [`Owned::ensure`] for resources that cannot be changed in place (a
    /// task definition revision): one of this session's that fails `keeps`
    /// is left as it is and a new one is created beside it.
    pub async fn ensure_matching<F, Fut>(
        &self,
        cx: StepCx<'_>,
        h: &mut SessionHandle,
        at: At<'_>,
        keeps: impl FnOnce(&K::Item) -> bool,
        create: F,
    ) -> Result<Got<K::Item>>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<K::Item>>,
    {
        self.settle(cx, h, at, keeps, || async { Ok(()) }, create)
            .await
    }

    /// The life cycle behind the `ensure` family.
    async fn settle<B, BF, F, Fut>(
        &self,
        cx: StepCx<'_>,
        h: &mut SessionHandle,
        at: At<'_>,
        keeps: impl FnOnce(&K::Item) -> bool,
        before: B,
        create: F,
    ) -> Result<Got<K::Item>>
    where
        B: FnOnce() -> BF,
        BF: Future<Output = Result<()>>,
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<K::Item>>,
    {
        if h.session().is_yours(self.key) {
            return self.settle_yours(cx, h, keeps).await;
        }
        let owner = Owner::of(h.session());
        if let Some(got) = self.settle_found(cx, h, &owner, at, keeps).await? {
            return Ok(got);
        }
        before().await?;
        h.creating(self.key, self.create_op)?;
        let item = create().await?;
        let id = K::required_id(&item, self.create_op)?;
        h.record(self.key, &id)?;
        cx.progress.created(self.noun, &id);
        Ok(Got {
            item,
            id,
            origin: Origin::Created,
        })
    }

    /// The resource of yours bound under the key, read by its id: never
    /// created, and an error when it is gone or no longer fits (gatewalk
    /// will not make one beside it).
    async fn settle_yours(
        &self,
        cx: StepCx<'_>,
        h: &SessionHandle,
        keeps: impl FnOnce(&K::Item) -> bool,
    ) -> Result<Got<K::Item>> {
        let s = h.session();
        let id = self.recorded(s).unwrap_or_default().to_string();
        let Some(item) = K::get(cx.aws, &id).await? else {
            return Err(Error::Conflict(format!(
                "your {} {id}, bound to session `{}`, no longer exists.\n  hint: it was deleted \
                 outside gatewalk; recreate it, or bind what exists now with `gatewalk adopt` \
                 under a new session name",
                self.noun, s.name
            )));
        };
        if !keeps(&item) {
            return Err(Error::Conflict(format!(
                "your {} {id} no longer matches the inputs, and gatewalk does not make one \
                 beside yours.\n  hint: set the inputs back to match it (`gatewalk inputs` \
                 shows them), or change it yourself",
                self.noun
            )));
        }
        cx.progress.info(format!(
            "using your {} {id} (bound to this session; gatewalk never deletes it)",
            self.noun
        ));
        Ok(Got {
            item,
            id,
            origin: Origin::Yours,
        })
    }

    /// Whether apply may change the resource it settled to bring it to the
    /// walkthrough's shape (`what`, in words): yes for gatewalk's own, no
    /// for a foreign one it only uses, and for one of yours only when you
    /// agreed (`apply --yes`, a confirm in the wizard) — otherwise an error
    /// that says what would change and how to agree.
    pub fn may_change(
        &self,
        cx: StepCx<'_>,
        h: &SessionHandle,
        got: &Got<K::Item>,
        what: &str,
    ) -> Result<bool> {
        match got.origin {
            Origin::Reused | Origin::Created => {
                cx.progress.changed(self.noun, &got.id, what);
                Ok(true)
            }
            Origin::Foreign => Ok(false),
            Origin::Yours => consent_to_change(cx, h, self.noun, &got.id, what).map(|()| true),
        }
    }

    /// The found resource to use, if there is one (recorded as well).
    async fn settle_found(
        &self,
        cx: StepCx<'_>,
        h: &mut SessionHandle,
        owner: &Owner,
        at: At<'_>,
        keeps: impl FnOnce(&K::Item) -> bool,
    ) -> Result<Option<Got<K::Item>>> {
        let recorded = self.recorded(h.session()).map(str::to_string);
        let l = self.lookup(owner, recorded.as_deref(), at);
        let found: Vec<K::Item> = K::find(cx.aws, &l)
            .await?
            .into_iter()
            .filter(K::usable)
            .collect();
        if found.len() > 1 {
            cx.progress.warn(format!(
                "{} {}s carry this session's tags; using {} (teardown removes them all)",
                found.len(),
                self.noun,
                recorded.as_deref().unwrap_or("the first")
            ));
        }
        let chosen = recorded
            .as_deref()
            .and_then(|r| found.iter().find(|i| K::id(i) == Some(r)))
            .or_else(|| found.first())
            .cloned();
        let Some(item) = chosen else {
            return Ok(None);
        };
        let id = K::required_id(&item, K::LIST_OP)?;
        let origin = if K::owned(cx.aws, &item, owner).await? {
            if let Some(why) = K::settling(&item) {
                return Err(Error::Conflict(format!(
                    "{} {id} {why}; run apply again in a minute",
                    self.noun
                )));
            }
            if !keeps(&item) {
                cx.progress.info(format!(
                    "{} {id} no longer matches the inputs: making a new one",
                    self.noun
                ));
                return Ok(None);
            }
            cx.progress.reused(self.noun, &id);
            Origin::Reused
        } else {
            self.foreign_found(at.name.unwrap_or(&id), owner, cx)?
        };
        h.record(self.key, &id)?;
        Ok(Some(Got { item, id, origin }))
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
            Foreign::Refuse(input) | Foreign::RefuseOrName(input) => {
                let hint = match self.foreign {
                    Foreign::RefuseOrName(_) => {
                        format!("to use it as it is, run with --set {input}={name}")
                    }
                    _ if input.is_empty() => "choose another name".to_string(),
                    _ => format!("choose another name with --set {input}=NAME"),
                };
                Err(Error::Conflict(format!(
                    "{} {} named `{name}` already exists and does not belong to session \
                     `{owner}`.\n  hint: {hint}",
                    article(self.noun),
                    self.noun
                )))
            }
        }
    }

    /// Deletes every resource of this declaration that carries this
    /// session's tags, waiting until AWS lets go of each, then forgets the
    /// recorded id. One found by name that is not this session's is kept,
    /// and progress says so.
    pub async fn delete_owned(
        &self,
        cx: StepCx<'_>,
        h: &mut SessionHandle,
        at: At<'_>,
    ) -> Result<()> {
        let owner = Owner::of(h.session());
        let recorded = self.recorded(h.session()).map(str::to_string);
        if h.session().is_yours(self.key) {
            return self.delete_yours(cx, h, recorded.as_deref()).await;
        }
        let l = self.lookup(&owner, recorded.as_deref(), at);
        for item in K::find_all(cx.aws, &l).await? {
            let id = K::required_id(&item, K::LIST_OP)?;
            if K::owned(cx.aws, &item, &owner).await? {
                K::delete(cx.aws, cx.progress, &item, self.noun).await?;
                cx.progress.deleted(self.noun, &id);
            } else {
                cx.progress.info(format!(
                    "keeping {} {}: it does not carry this session's tags",
                    self.noun,
                    at.name.unwrap_or(&id)
                ));
            }
        }
        h.forget(self.key)
    }

    /// Teardown of a resource of yours: kept, and said so, with its binding
    /// (a later `teardown --include-yours` still knows it), unless you agreed
    /// to remove yours too; then it is deleted and forgotten.
    async fn delete_yours(
        &self,
        cx: StepCx<'_>,
        h: &mut SessionHandle,
        id: Option<&str>,
    ) -> Result<()> {
        let id = id.unwrap_or_default();
        if !h.consent().delete_yours {
            cx.progress.info(format!(
                "keeping your {} {id} (yours, not gatewalk's)",
                self.noun
            ));
            return Ok(());
        }
        if let Some(item) = K::get(cx.aws, id).await? {
            K::delete(cx.aws, cx.progress, &item, self.noun).await?;
            cx.progress.deleted(&format!("your {}", self.noun), id);
        }
        h.forget(self.key)
    }
}

/// Goes ahead with a change (`what`) to a resource of yours only if you
/// agreed to changes for this run (`apply --yes`, a confirm in the wizard),
/// saying so; otherwise an error that names the change and how to agree.
pub fn consent_to_change(
    cx: StepCx<'_>,
    h: &SessionHandle,
    noun: &str,
    id: &str,
    what: &str,
) -> Result<()> {
    if h.consent()
        .allows(&crate::session::Consent::change(noun, id, what))
    {
        cx.progress.changed(&format!("your {noun}"), id, what);
        return Ok(());
    }
    Err(Error::NeedsConsent {
        noun: noun.to_string(),
        id: id.to_string(),
        what: what.to_string(),
    })
}

/// "a" or "an", as the noun begins.
fn article(noun: &str) -> &'static str {
    match noun.chars().next() {
        Some('a' | 'e' | 'i' | 'o' | 'u' | 'A' | 'E' | 'I' | 'O' | 'U') => "an",
        _ => "a",
    }
}
