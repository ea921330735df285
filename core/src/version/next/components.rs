//! The commits of one component of a monorepo: by the paths they change, the scopes they name, or both.

use super::*;

/// How a monorepo component picks its commits (see [`NextOptions::paths`]
/// and [`NextOptions::scopes`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "lowercase")]
pub enum ComponentMatch {
    /// Commits that change a file under one of the paths.
    Paths,
    /// Commits whose Conventional Commits scope names the component
    /// (`feat(api,web): x` names `api` and `web`).
    Scopes,
    /// Commits selected by the paths or by the scopes.
    Either,
    /// Commits selected by the paths and by the scopes.
    Both,
}

/// The commits of one component: by paths, by scopes or by both.
pub(crate) struct ComponentFilter {
    paths: Vec<std::path::PathBuf>,
    scopes: Vec<String>,
    mode: Option<ComponentMatch>,
}

impl ComponentFilter {
    /// Validate and resolve the options: without an explicit mode, the one
    /// kind of filter given, or `Either` when both are.
    pub(crate) fn new(
        paths: &[String],
        scopes: &[String],
        mode: Option<ComponentMatch>,
    ) -> Result<Self> {
        let paths = normalize_paths(paths)?;
        if let Some(s) = scopes
            .iter()
            .find(|s| s.trim().is_empty() || s.contains(','))
        {
            return Err(Error::invalid(format!(
                "component scope {s:?} must be one non-empty name without commas, e.g. \"api\""
            )));
        }
        let scopes: Vec<String> = scopes.iter().map(|s| s.trim().to_string()).collect();
        let mode = match (mode, paths.is_empty(), scopes.is_empty()) {
            (Some(m), no_paths, no_scopes) => {
                let needs_paths = matches!(
                    m,
                    ComponentMatch::Paths | ComponentMatch::Either | ComponentMatch::Both
                );
                let needs_scopes = matches!(
                    m,
                    ComponentMatch::Scopes | ComponentMatch::Either | ComponentMatch::Both
                );
                if (needs_paths && no_paths && m != ComponentMatch::Either)
                    || (needs_scopes && no_scopes && m != ComponentMatch::Either)
                    || (m == ComponentMatch::Either && no_paths && no_scopes)
                {
                    return Err(Error::invalid(format!(
                        "component_match {m:?} needs {}: give the component's paths and/or scopes",
                        match m {
                            ComponentMatch::Paths => "paths",
                            ComponentMatch::Scopes => "scopes",
                            _ => "paths and scopes",
                        }
                    )));
                }
                Some(m)
            }
            (None, true, true) => None,
            (None, false, true) => Some(ComponentMatch::Paths),
            (None, true, false) => Some(ComponentMatch::Scopes),
            (None, false, false) => Some(ComponentMatch::Either),
        };
        Ok(ComponentFilter {
            paths,
            scopes,
            mode,
        })
    }

    fn scoped(&self, e: &CommitEntry) -> bool {
        e.scope.as_deref().is_some_and(|s| {
            s.split(',').any(|one| {
                self.scopes
                    .iter()
                    .any(|c| c.eq_ignore_ascii_case(one.trim()))
            })
        })
    }

    /// Does the component take commit `c` (parsed as `e`)?
    pub(crate) fn selects(&self, c: &git2::Commit<'_>, e: &CommitEntry) -> Result<bool> {
        Ok(match self.mode {
            None => true,
            Some(ComponentMatch::Paths) => touches(c, &self.paths)?,
            Some(ComponentMatch::Scopes) => self.scoped(e),
            Some(ComponentMatch::Either) => {
                self.scoped(e) || (!self.paths.is_empty() && touches(c, &self.paths)?)
            }
            Some(ComponentMatch::Both) => self.scoped(e) && touches(c, &self.paths)?,
        })
    }
}
