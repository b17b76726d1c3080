"""Accounts, roles and permissions by org unit, password login with a rate limit, API tokens.

Every permission check goes through :func:`require` so the CLI, the API and the web pages
cannot disagree. Roles:

- ``admin``: the programme office — everything.
- ``reporter``: bound to one org unit; reports and updates tasks for it and the units below.
- ``approver``: approves (or returns) submissions for its subtree.
- ``viewer``: reads everything published and the drafts of its subtree.
- anonymous ``public``: published, approved values and public metadata only.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import unicodedata
from datetime import UTC, datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from sodo.domain.orgunits import NATION_CODE, default_hierarchy
from sodo.domain.permissions import (
    TOKEN_SCOPES,
    Action,
    Actor,
    Conflict,
    Forbidden,
    LoginRateLimited,
    NotAuthenticated,
    NotFound,
    Role,
    require,
)
from sodo.domain.problems import InputError, Problem
from sodo.services import audit
from sodo.stores.operational.models import ApiToken, LoginAttempt, User, utcnow
from sodo.stores.operational.session_models import UserSession

LOGIN_WINDOW = timedelta(minutes=15)
MAX_FAILURES_PER_USER = 5  # per (account, address); then waits from BACKOFF_START, doubling
BACKOFF_START = timedelta(seconds=30)
MAX_FAILURES_PER_SOURCE = 30
MIN_PASSWORD_LENGTH = 10
MIN_PASSWORD_SCORE = 3  # zxcvbn: 0 (guessable in seconds) … 4 (very hard)
USERNAME = re.compile(r"[a-z0-9][a-z0-9._@-]{0,63}")
LANGUAGES = ("vi", "en")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")

_hasher = PasswordHasher()


# -- users ------------------------------------------------------------------------------

def hash_password(password: str) -> str:
    return _hasher.hash(password)


_INVISIBLE = re.compile("[\u00ad\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064"
                        "\u2066-\u2069\ufeff\x00-\x1f\x7f]")


def normalise_password(password: str) -> str:
    """The password as it is checked and hashed: NFC, invisible and control characters
    removed (a zero-width space typed or pasted by mistake does not count, nor pad)."""
    return _INVISIBLE.sub("", unicodedata.normalize("NFC", password))


def password_problems(password: str, *, username: str = "", extra: tuple[str, ...] = ()
                      ) -> list[Problem]:
    """What is wrong with a new password: too short once normalised, only spaces, or weak
    (zxcvbn score below :data:`MIN_PASSWORD_SCORE`: common passwords, repeats, sequences,
    keyboard walks, the username)."""
    text = normalise_password(password)
    if len(text.strip()) < MIN_PASSWORD_LENGTH:
        return [Problem(f"password too short: at least {MIN_PASSWORD_LENGTH} characters, "
                        "not counting spaces around it or invisible characters",
                        rule="password")]
    from zxcvbn import zxcvbn

    result = zxcvbn(text[:200], user_inputs=[u for u in (username, *extra) if u])
    if result["score"] < MIN_PASSWORD_SCORE:
        hint = (result.get("feedback") or {}).get("warning") or "easy to guess"
        return [Problem(f"password too weak ({hint}); use a longer phrase of unrelated "
                        "words, or a password manager", rule="password")]
    return []


def _check_password_rules(password: str, username: str = "") -> None:
    problems = password_problems(password, username=username)
    if problems:
        raise InputError(problems[0].message, problems)


def _user_snapshot(user: User) -> dict:
    return {"username": user.username, "display_name": user.display_name, "role": user.role,
            "orgunit": user.orgunit, "active": user.active, "email": user.email,
            "lang": user.lang}


def _check_email(email: str) -> str:
    """The address, trimmed; :class:`InputError` unless it looks like one (empty: none)."""
    email = (email or "").strip()
    if email and (len(email) > 255 or not _EMAIL.match(email)):
        raise InputError(f"'{email}' is not an e-mail address",
                         [Problem(f"'{email}' is not an e-mail address", rule="email")])
    return email


def _check_lang(lang: str) -> str:
    if lang not in LANGUAGES:
        raise InputError(f"language must be one of {', '.join(LANGUAGES)}, not '{lang}'",
                         [Problem(f"unknown language '{lang}'", rule="lang")])
    return lang


def get_user(session: Session, username: str) -> User:
    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        raise NotFound(f"no user '{username}'")
    return user


def create_user(session: Session, actor: Actor, username: str, password: str, role: Role | str,
                orgunit: str = NATION_CODE, display_name: str = "", email: str = "",
                lang: str = "vi") -> User:
    """Add a user (admins only). The org unit must exist; reporters may not be national-only
    by accident, so the unit is always explicit in the result."""
    require(actor, Action.ADMIN)
    problems: list[Problem] = []
    username = username.strip()
    if not USERNAME.fullmatch(username):
        # ASCII lower case only: "ADMIN", "ádmin" or a Cyrillic "аdmin" would pass for admin.
        problems.append(Problem(f"invalid username '{username[:64]}': lower-case ASCII "
                                "letters, digits and . _ - @ only (starting with a letter "
                                "or digit), at most 64", rule="username"))
    try:
        role = Role(role)
    except ValueError:
        problems.append(Problem(f"unknown role '{role}' (admin, reporter, approver, viewer)",
                                rule="role"))
    if role == Role.PUBLIC:
        problems.append(Problem("'public' is the anonymous role, not a user's", rule="role"))
    if orgunit not in default_hierarchy():
        problems.append(Problem(f"unknown org-unit code '{orgunit}'", rule="orgunit"))
    problems.extend(password_problems(password, username=username))
    try:
        email = _check_email(email)
        lang = _check_lang(lang)
    except InputError as exc:
        problems.extend(exc.problems)
    if problems:
        raise InputError(f"cannot add user '{username}'", problems)
    if session.scalar(select(User.id).where(User.username == username)) is not None:
        raise Conflict(f"user '{username}' already exists")
    user = User(username=username, password_hash=hash_password(normalise_password(password)),
                role=str(role), orgunit=orgunit, display_name=display_name or username,
                email=email, lang=lang)
    session.add(user)
    session.flush()
    audit.record(session, actor, "user.add", "user", username, None, _user_snapshot(user))
    return user


def list_users(session: Session, actor: Actor, *, limit: int = 1000,
               offset: int = 0) -> list[User]:
    require(actor, Action.ADMIN)
    return list(session.scalars(select(User).order_by(User.username).limit(limit).offset(offset)))


def set_active(session: Session, actor: Actor, username: str, active: bool) -> User:
    """Disable (or re-enable) a user; a disabled user's sessions and tokens stop at once."""
    require(actor, Action.ADMIN)
    user = get_user(session, username)
    if not active and username == actor.username:
        raise Conflict("you cannot disable your own account; ask another admin")
    before = _user_snapshot(user)
    user.active = active
    if not active:
        _end_user_sessions(session, user, "disabled")
    audit.record(session, actor, "user.enable" if active else "user.disable", "user",
                 username, before, _user_snapshot(user))
    return user


def update_user(session: Session, actor: Actor, username: str, *, role: str | None = None,
                orgunit: str | None = None, display_name: str | None = None,
                email: str | None = None, lang: str | None = None) -> User:
    require(actor, Action.ADMIN)
    user = get_user(session, username)
    before = _user_snapshot(user)
    if role is not None:
        try:
            if Role(role) is Role.PUBLIC:
                raise ValueError
        except ValueError:
            raise InputError(f"unknown role '{role}'", [Problem(f"unknown role '{role}'",
                                                              rule="role")]) from None
        if username == actor.username and role != user.role:
            raise Conflict("you cannot change your own role; ask another admin")
        user.role = role
    if orgunit is not None:
        if orgunit not in default_hierarchy():
            raise InputError(f"unknown org-unit code '{orgunit}'")
        user.orgunit = orgunit
    if display_name is not None:
        user.display_name = display_name
    if email is not None:
        user.email = _check_email(email)
    if lang is not None:
        user.lang = _check_lang(lang)
    audit.record(session, actor, "user.update", "user", username, before, _user_snapshot(user))
    return user


def set_language(session: Session, actor: Actor, username: str, lang: str) -> User:
    """The language of the user's notices (the user themself, or an admin)."""
    if actor.username != username:
        require(actor, Action.ADMIN)
    user = get_user(session, username)
    before = _user_snapshot(user)
    user.lang = _check_lang(lang)
    audit.record(session, actor, "user.language", "user", username, before,
                 _user_snapshot(user))
    return user


def set_password(session: Session, actor: Actor, username: str, password: str) -> User:
    """Change a password (admins, or the user themself); older sessions stop working."""
    if actor.username != username:
        require(actor, Action.ADMIN)
    _check_password_rules(password, username)
    user = get_user(session, username)
    user.password_hash = hash_password(normalise_password(password))
    user.password_changed_at = utcnow()
    _end_user_sessions(session, user, "password")
    audit.record(session, actor, "user.password", "user", username, None, None)
    return user


def _recent_failures(session: Session, since: datetime, **where: str) -> tuple[int, datetime | None]:
    stmt = select(func.count(), func.max(LoginAttempt.at)).select_from(LoginAttempt).where(
        LoginAttempt.success.is_(False), LoginAttempt.at >= since,
        *(getattr(LoginAttempt, column) == value for column, value in where.items()))
    count, last = session.execute(stmt).one()
    if last is not None and last.tzinfo is None:
        last = last.replace(tzinfo=UTC)
    return count or 0, last


def _throttle(session: Session, username: str, source: str, now: datetime) -> int:
    """Seconds to wait before this (account, address) may try again; 0 if it may now.

    After :data:`MAX_FAILURES_PER_USER` failures of one account from one address, each
    further attempt waits :data:`BACKOFF_START` doubled per failure (at most the window).
    The owner signing in from another address is not held back; an address failing on
    :data:`MAX_FAILURES_PER_SOURCE` attempts over any accounts waits out the window."""
    since = now - LOGIN_WINDOW
    pair, last = _recent_failures(session, since, username=username[:64], ip=source[:64])
    if pair >= MAX_FAILURES_PER_USER and last is not None:
        wait = min(BACKOFF_START * 2 ** (pair - MAX_FAILURES_PER_USER), LOGIN_WINDOW)
        left = (last + wait - now).total_seconds()
        if left > 0:
            return int(left) + 1
    if source:
        by_source, last = _recent_failures(session, since, ip=source[:64])
        if by_source >= MAX_FAILURES_PER_SOURCE and last is not None:
            return int((last + LOGIN_WINDOW - now).total_seconds()) + 1
    return 0


def authenticate(session: Session, username: str, password: str,
                 source: str = "") -> User | None:
    """The active user with this name and password, or None. Raises :class:`LoginRateLimited`
    while this account is throttled from this address, or this address from any account
    (:func:`_throttle`); every attempt is recorded, failures and refusals in the audit log
    too, and the caller commits."""
    now = utcnow()
    wait = _throttle(session, username, source, now)
    if wait > 0:
        audit.record(session, Actor.anonymous(source), "user.login_refused", "user",
                     username[:64], None, {"reason": "rate limited", "source": source,
                                           "retry_after": wait})
        minutes = max(1, (wait + 59) // 60)
        raise LoginRateLimited(f"too many failed sign-ins from this address; try again in "
                               f"{minutes} minute{'s' * (minutes != 1)}", wait)
    user = session.scalar(select(User).where(User.username == username))
    ok = False
    if user is not None and user.active and user.password_hash:
        try:
            ok = _hasher.verify(user.password_hash, normalise_password(password))
        except (VerificationError, InvalidHashError):
            ok = False
        if ok and _hasher.check_needs_rehash(user.password_hash):
            user.password_hash = hash_password(normalise_password(password))
    else:
        # Spend the same time as a real check so response time does not reveal usernames.
        _hasher.hash(password)
    session.add(LoginAttempt(username=username[:64], ip=source[:64], at=now, success=ok))
    # Attempts older than a day no longer count; drop this account's, so the table stays small.
    session.execute(delete(LoginAttempt).where(LoginAttempt.username == username[:64],
                                               LoginAttempt.at < now - timedelta(days=1)))
    if ok:
        audit.record(session, Actor.from_user(user, source), "user.login", "user", username)
    else:
        audit.record(session, Actor.anonymous(source), "user.login_failed", "user",
                     username[:64], None, {"source": source})
    return user if ok else None


# -- sign-in sessions (server-side, revocable) ---------------------------------------------

SESSION_LIFETIME = timedelta(hours=12)


def start_session(session: Session, user: User, source: str = "",
                  lifetime: timedelta = SESSION_LIFETIME) -> str:
    """A new sign-in session for ``user``; returns the secret for the cookie (only its hash
    is stored)."""
    secret = secrets.token_urlsafe(32)
    now = utcnow()
    session.add(UserSession(secret_hash=_token_hash(secret), user_id=user.id, created_at=now,
                            expires_at=now + lifetime, source=source[:64]))
    return secret


def session_user(session: Session, secret: str) -> User | None:
    """The active user of a live session (not ended, not expired), else None."""
    row = session.scalar(select(UserSession).where(
        UserSession.secret_hash == _token_hash(secret)))
    if row is None or row.ended_at is not None or row.expires_at <= utcnow():
        return None
    user = session.get(User, row.user_id)
    return user if user is not None and user.active else None


def end_session(session: Session, secret: str, reason: str = "logout") -> None:
    """End one session (logout); unknown secrets are ignored."""
    row = session.scalar(select(UserSession).where(
        UserSession.secret_hash == _token_hash(secret)))
    if row is not None and row.ended_at is None:
        row.ended_at, row.ended_reason = utcnow(), reason


def _end_user_sessions(session: Session, user: User, reason: str) -> int:
    rows = session.scalars(select(UserSession).where(UserSession.user_id == user.id,
                                                     UserSession.ended_at.is_(None))).all()
    now = utcnow()
    for row in rows:
        row.ended_at, row.ended_reason = now, reason
    return len(rows)


def end_sessions(session: Session, actor: Actor, username: str) -> int:
    """End every session of ``username`` at once (an admin, or the user themself: "sign
    out everywhere"); returns how many were open."""
    if actor.username != username:
        require(actor, Action.ADMIN)
    user = get_user(session, username)
    count = _end_user_sessions(session, user, "ended")
    audit.record(session, actor, "user.sessions_end", "user", username, None,
                 {"sessions": count})
    return count


def end_all_sessions(session: Session, actor: Actor) -> int:
    """End the open sessions of every user at once (an admin only: after a suspected
    compromise, or before changing the secret key); returns how many were open."""
    require(actor, Action.ADMIN)
    rows = session.scalars(select(UserSession).where(UserSession.ended_at.is_(None))).all()
    now = utcnow()
    for row in rows:
        row.ended_at, row.ended_reason = now, "ended"
    audit.record(session, actor, "user.sessions_end_all", "user", "*", None,
                 {"sessions": len(rows)})
    return len(rows)


# -- API tokens -------------------------------------------------------------------------

TOKEN_PREFIX = "sodo_"


def _token_hash(secret: str) -> str:
    # Tokens are 256-bit random strings, so a fast hash is as safe as a slow one here.
    return hashlib.sha256(secret.encode()).hexdigest()


def _token_snapshot(token: ApiToken) -> dict:
    return {"id": token.id, "name": token.name, "prefix": token.prefix, "scopes": token.scopes,
            "expires_at": token.expires_at.isoformat() if token.expires_at else None,
            "revoked_at": token.revoked_at.isoformat() if token.revoked_at else None}


def create_token(session: Session, actor: Actor, username: str, name: str = "",
                 scopes: list[str] | tuple[str, ...] = ("read",),
                 expires_in: timedelta | None = timedelta(days=90)) -> tuple[ApiToken, str]:
    """A new API token for ``username``; returns the row and the secret, which is shown once
    and never stored (only its hash is). Users make their own; admins make anyone's."""
    if actor.username != username:
        require(actor, Action.ADMIN)
    elif not actor.is_authenticated:
        raise NotAuthenticated("sign in to create a token")
    bad = [s for s in scopes if s not in TOKEN_SCOPES]
    if bad or not scopes:
        raise InputError(f"unknown token scope(s) {', '.join(bad) or '(none given)'}; "
                         f"use {', '.join(TOKEN_SCOPES)}")
    if expires_in is not None and expires_in <= timedelta(0):
        raise InputError("a token's lifetime must be positive")
    user = get_user(session, username)
    if "admin" in scopes and user.role != Role.ADMIN:
        raise Forbidden(f"user '{username}' is not an admin, so cannot hold an admin token")
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(user_id=user.id, name=name, prefix=secret[:12],
                     token_hash=_token_hash(secret), scopes=sorted(set(scopes)),
                     expires_at=utcnow() + expires_in if expires_in else None)
    session.add(token)
    session.flush()
    audit.record(session, actor, "token.create", "token", str(token.id), None,
                 {**_token_snapshot(token), "user": username})
    return token, secret


def actor_for_token(session: Session, secret: str, source: str = "") -> Actor | None:
    """The actor an API token stands for, or None if unknown, revoked, expired or its user is
    disabled: the check runs on every request, so revocation takes effect at once."""
    if not secret.startswith(TOKEN_PREFIX):
        return None
    token = session.scalar(select(ApiToken).where(ApiToken.token_hash == _token_hash(secret)))
    if token is None or token.revoked_at is not None:
        return None
    if token.expires_at is not None and token.expires_at <= utcnow():
        return None
    user = token.user
    if not user.active:
        return None
    return Actor.from_user(user, source, frozenset(token.scopes), "token", token.id)


def list_tokens(session: Session, actor: Actor, username: str | None = None) -> list[ApiToken]:
    if username != actor.username:
        require(actor, Action.ADMIN)
    stmt = select(ApiToken).join(User).order_by(ApiToken.id)
    if username:
        stmt = stmt.where(User.username == username)
    return list(session.scalars(stmt))


def revoke_token(session: Session, actor: Actor, token_id: int) -> ApiToken:
    token = session.get(ApiToken, token_id)
    if token is None:
        raise NotFound(f"no token {token_id}")
    if token.user.username != actor.username:
        require(actor, Action.ADMIN)
    before = _token_snapshot(token)
    if token.revoked_at is None:
        token.revoked_at = utcnow()
    audit.record(session, actor, "token.revoke", "token", str(token.id), before,
                 _token_snapshot(token))
    return token


def user_dict(user: User) -> dict:
    return {"username": user.username, "display_name": user.display_name, "role": user.role,
            "orgunit": user.orgunit, "active": user.active, "email": user.email,
            "lang": user.lang, "created_at": user.created_at.isoformat()}


def token_dict(token: ApiToken) -> dict:
    now = datetime.now(UTC)
    state = ("revoked" if token.revoked_at else
             "expired" if token.expires_at and token.expires_at <= now else "active")
    return {**_token_snapshot(token), "user": token.user.username, "state": state,
            "created_at": token.created_at.isoformat()}
