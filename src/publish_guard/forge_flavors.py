"""Flavors of the package registries of code forges: GitHub Packages, GitLab, Gitea/Forgejo.

What each says and what to do about it, with sources, is in docs/registries.md.
"""

from __future__ import annotations

from publish_guard.flavor_base import Advice, Flavor, Refused


class GitHub(Flavor):
    """GitHub Packages (``npm.pkg.github.com``); sources in docs/registries.md."""

    key = "github"
    title = "GitHub Packages"
    exists_answers = ((409, "cannot publish over existing version"),)
    # A deleted version can be restored within 30 days; whether its number can be published
    # again is not documented (docs.github.com, "Deleting and restoring a package").
    reuse_hint = (
        "an admin of the package's repository can delete the version (the package's page → "
        "Package settings → Manage versions; GitHub can restore it within 30 days)"
    )
    login_help = (
        "GitHub Packages takes a personal access token (classic) with the write:packages scope, "
        "or GITHUB_TOKEN in a workflow with 'permissions: packages: write'"
    )

    def advise(self, refused: Refused) -> Advice | None:
        said, package = refused.said, refused.package or "the package"
        if refused.status != 403:
            return None
        if "not_found" in said and "owner not found" in said:
            return Advice(
                "repository",
                f"the scope of {package} names no GitHub user or organization (GitHub Packages "
                "files an npm package under the owner its scope names)",
                "Scope the package with the owner of its repository: @<owner>/<name> in "
                "package.json.",
            )
        if "installation not allowed" in said:
            return Advice(
                "permission",
                "the workflow's GITHUB_TOKEN may not write this organization package",
                f"In the package settings of {package}, give the workflow's repository write "
                "access (Manage Actions access), and grant 'permissions: packages: write'.",
            )
        if "delete_package" in said:
            return Advice(
                "permission",
                "deleting a version needs a token with the delete:packages and read:packages "
                "scopes (and repo: npm packages belong to a repository) of a user with admin "
                "rights to the package",
                "Use a personal access token (classic) with delete:packages, read:packages and "
                "repo, or delete the version on the package's page (Package settings → Manage "
                "versions).",
            )
        if "permission_denied" in said or "write_package" in said:
            return Advice(
                "permission",
                "the token may not write this package: it lacks the write:packages scope, or the "
                "package belongs to another repository",
                "Use a personal access token (classic) with write:packages, or in Actions grant "
                "'permissions: packages: write' and set package.json's repository field to the "
                "repository that owns the package.",
            )
        return None


class GitLab(Flavor):
    """GitLab's package registry, one npm API per project; sources in docs/registries.md."""

    key = "gitlab"
    title = "GitLab"
    repo_marker = "projects"  # /api/v4/projects/<id>/packages/npm/
    exists_answers = ((403, "package already exists"),)
    too_large_answers = ((400, "file is too large"),)
    # gitlab.com/gitlab-org/gitlab/-/issues/297492 (the setting), merge request 40410 (500 MB)
    size_limit = (
        " (the instance's 'Maximum NPM package file size': Admin Area → Settings → CI/CD → "
        "Package file size limits; 500 MB unless an admin changed it)"
    )
    reuse_hint = (
        "a Maintainer of the project can delete the version in its package registry (Deploy → "
        "Package registry, or DELETE /api/v4/projects/<id>/packages/<package_id>), then it can "
        "be published again"
    )
    login_help = (
        "GitLab takes a personal access token with the api scope, a deploy token with "
        "write_package_registry, or CI_JOB_TOKEN in a pipeline"
    )

    def advise(self, refused: Refused) -> Advice | None:
        project = f"project {refused.repo}" if refused.repo != "?" else "the project"
        if refused.status == 404 and "project not found" in refused.said:
            return Advice(
                "repository",
                f"{project} does not exist, or this token may not see it (GitLab answers "
                "'404 Project Not Found' to both)",
                "Check the project ID in the guard's upstream URL (the project's overview page "
                "shows it), and that the token's user is a member of the project (Manage → "
                "Members).",
            )
        # GitLab's API says only "403 Forbidden" when the token may not create packages.
        if refused.status != 403 or refused.said not in ("403 forbidden", ""):
            return None
        if refused.command == "unpublish":
            return Advice(
                "permission",
                f"the token may not delete packages of {project}: deleting needs the Maintainer "
                "role or higher",
                f"Ask a Maintainer of {project} to delete it (Deploy → Package registry), or for "
                "the Maintainer role.",
            )
        return Advice(
            "permission",
            f"the token may not publish to {project}: publishing needs the Developer role or "
            "higher and a token with the api scope (a deploy token needs write_package_registry; "
            "CI_JOB_TOKEN publishes to its own project only)",
            f"Ask a Maintainer of {project} for the Developer role (Manage → Members), or use a "
            "token with the api scope.",
        )


class Gitea(Flavor):
    """Gitea and Forgejo: one npm API per owner, ``/api/packages/<owner>/npm/``."""

    key = "gitea"
    title = "Gitea"
    repo_marker = "packages"  # the owner (user or organization) follows
    # 409 since Gitea 1.21, 400 before
    exists_answers = (
        (409, "package version already exists"),
        (400, "package version already exists"),
    )
    # quota errors (services/packages/packages.go), all 403: the upload's size, then the owner's
    too_large_answers = ((403, "maximum allowed package type size exceeded"),)
    size_limit = " (Gitea's limit for one npm upload: [packages] LIMIT_SIZE_NPM in app.ini)"
    reuse_hint = (
        "'npm unpublish <pkg>@<version>' by a user who may write the owner's packages (or the "
        "package's settings page) deletes it, then it can be published again"
    )
    # Gitea answers 401 to an unknown token and to one that may not write alike.
    login_help = (
        "Gitea takes a personal access token with the write:package scope, and answers 401 as "
        "well when the token lacks that scope or its user may not write the owner's packages, "
        "so check those too"
    )

    def advise(self, refused: Refused) -> Advice | None:
        if refused.status == 403 and "maximum allowed package" in refused.said:
            owner = f"owner {refused.repo}" if refused.repo != "?" else "the owner"
            return Advice(
                "repository",
                f"{owner} has used up its package quota in Gitea ({refused.said}; the admin "
                "sets it as [packages] LIMIT_TOTAL_OWNER_SIZE and LIMIT_TOTAL_OWNER_COUNT)",
                f"Delete old package versions of {owner} (the package's settings page, or 'npm "
                "unpublish <pkg>@<version>'), or ask the Gitea admin to raise the quota.",
            )
        if refused.status == 403 and "no permission to upload this package" in refused.said:
            return Advice(
                "permission",
                "package.json's repository field names a repository this user may not write "
                "(Gitea links the package to it and checks that right)",
                "Correct package.json's repository URL, or ask for write access to that "
                "repository.",
            )
        return None
