//! The git side of a release: the branch it may run on, a clean work tree,
//! the identity it commits as, and the one commit and annotated tag.

use super::Planned;
use crate::error::{Error, Result};

pub(super) fn current_branch(repo: &git2::Repository) -> Result<String> {
    if repo.head_detached().unwrap_or(false) {
        return Err(Error::invalid(
            "HEAD is detached: check out the branch to release from (e.g. git switch main)",
        ));
    }
    let head = repo.head().map_err(|e| {
        Error::invalid("the repository has no commits yet: commit something to release")
            .with_source(e)
    })?;
    head.shorthand()
        .map(str::to_string)
        .map_err(|_| Error::invalid("HEAD's branch name is not UTF-8: rename the branch"))
}

pub(super) fn refuse_dirty(repo: &git2::Repository) -> Result<()> {
    let mut so = git2::StatusOptions::new();
    so.include_untracked(false).include_ignored(false);
    let statuses = repo
        .statuses(Some(&mut so))
        .map_err(|e| Error::git("cannot read the work tree's status", e))?;
    let dirty: Vec<String> = statuses
        .iter()
        .filter(|s| s.status() != git2::Status::CURRENT)
        .filter_map(|s| s.path().ok().map(str::to_string))
        .collect();
    if dirty.is_empty() {
        return Ok(());
    }
    let shown = dirty.iter().take(5).cloned().collect::<Vec<_>>().join(", ");
    Err(Error::invalid(format!(
        "the work tree has uncommitted changes ({shown}{}): commit or stash them, then release",
        if dirty.len() > 5 { ", …" } else { "" }
    )))
}

/// The author and committer of the release commit, as git picks them:
/// `GIT_AUTHOR_NAME`/`GIT_AUTHOR_EMAIL` (`GIT_COMMITTER_*` for the
/// committer) first, then `author.*`/`committer.*`, then `user.name` and
/// `user.email` from git's config, then `EMAIL` for the address. A missing
/// part is an error that says which and how to set it.
pub(super) fn identities(
    repo: &git2::Repository,
) -> Result<(git2::Signature<'static>, git2::Signature<'static>)> {
    let config = repo
        .config()
        .map_err(|e| Error::git("cannot read git's config", e))?;
    let get = |key: &str| config.get_string(key).ok().filter(|v| !v.trim().is_empty());
    let var = |key: &str| std::env::var(key).ok().filter(|v| !v.trim().is_empty());
    let one = |role: &str| -> Result<git2::Signature<'static>> {
        let upper = role.to_ascii_uppercase();
        let name = var(&format!("GIT_{upper}_NAME"))
            .or_else(|| get(&format!("{role}.name")))
            .or_else(|| get("user.name"));
        let email = var(&format!("GIT_{upper}_EMAIL"))
            .or_else(|| get(&format!("{role}.email")))
            .or_else(|| get("user.email"))
            .or_else(|| var("EMAIL"));
        let missing: Vec<&str> = [
            name.is_none().then_some("user.name"),
            email.is_none().then_some("user.email"),
        ]
        .into_iter()
        .flatten()
        .collect();
        match (name, email) {
            (Some(n), Some(e)) => git2::Signature::now(&n, &e).map_err(|e| {
                Error::invalid(format!(
                    "git's {role} identity is not usable: {}",
                    e.message()
                ))
            }),
            _ => Err(Error::invalid(format!(
                "git has no {role} for the release commit (no {}): set it with git config {} (or GIT_{upper}_NAME and GIT_{upper}_EMAIL); nothing was written",
                missing.join(" and "),
                missing
                    .iter()
                    .map(|k| format!("{k} \"…\""))
                    .collect::<Vec<_>>()
                    .join(" and git config "),
            ))),
        }
    };
    Ok((one("author")?, one("committer")?))
}

/// Stage the planned files, commit them on HEAD's branch and tag the commit
/// (annotated, its message the changelog section).
pub(super) fn commit_and_tag(
    repo: &git2::Repository,
    plan: &[Planned],
    (author, committer): (&git2::Signature<'_>, &git2::Signature<'_>),
    message: &str,
    tag: &str,
    section: &str,
) -> Result<String> {
    let git = |what: &str| {
        let what = what.to_string();
        move |e| Error::git(what.clone(), e)
    };
    let workdir = repo.workdir().expect("checked: not bare");
    let mut index = repo.index().map_err(git("cannot open the index"))?;
    for p in plan {
        let rel = p.abs.strip_prefix(workdir).unwrap_or(&p.abs);
        index
            .add_path(rel)
            .map_err(git(&format!("cannot stage {}", rel.display())))?;
    }
    index.write().map_err(git("cannot write the index"))?;
    let tree_id = index.write_tree().map_err(git("cannot write the tree"))?;
    let tree = repo
        .find_tree(tree_id)
        .map_err(git("cannot read the tree"))?;
    let parent = repo
        .head()
        .and_then(|h| h.peel_to_commit())
        .map_err(git("cannot read HEAD"))?;
    let oid = repo
        .commit(Some("HEAD"), author, committer, message, &tree, &[&parent])
        .map_err(git("cannot commit the release"))?;
    let object = repo
        .find_object(oid, None)
        .map_err(git("cannot read the release commit"))?;
    // git tags as the committer.
    repo.tag(
        tag,
        &object,
        committer,
        &format!("{tag}\n\n{section}"),
        false,
    )
    .map_err(git(&format!("cannot create tag {tag}")))?;
    Ok(oid.to_string())
}
