"""Dependencies shared by the API and the web pages: the database session, who is asking
(session cookie or API token), role checks, login/logout cookies and CSRF protection.

Web routes use them like::

    @router.post("/login")
    def login(request: Request, db: Session = Depends(get_db), _=Depends(verify_csrf)): ...
        user = accounts.authenticate(db, username, password, client_ip(request))
        response = RedirectResponse("/", 303); login_session(response, request, user)

    @router.get("/reports")
    def reports(actor: Actor = Depends(require_user)): ...

``current_user_optional`` also refuses any cookie-authenticated POST/PUT/PATCH/DELETE that
lacks a valid CSRF token (form field ``csrf_token`` or header ``X-CSRF-Token``), so every form
post is protected even if a route forgets ``verify_csrf``. Requests with an API token
(``Authorization: Bearer sodo_…``) carry no cookie and need no CSRF token.
"""

from __future__ import annotations

import hmac
import ipaddress
import secrets
from collections.abc import AsyncIterator, Callable
from typing import Annotated

from fastapi import Depends, Path, Request, Response
from fastapi.concurrency import run_in_threadpool
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy.orm import Session

from sodo.domain.permissions import Actor, Forbidden, NotAuthenticated, Role
from sodo.services import accounts
from sodo.services.context import AppContext
from sodo.stores.operational.models import User

SESSION_COOKIE = "sodo_session"
CSRF_COOKIE = "sodo_csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
SESSION_MAX_AGE = 12 * 3600
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


async def get_db(request: Request) -> AsyncIterator[Session]:
    """A SQLAlchemy session on the operational store; rolled back if the request fails.
    Routes commit what they change.

    The session is made and closed on the event loop (closing only hands the connection back,
    it never waits), but used only in the thread pool, by sync routes: a loop blocked waiting
    for a pooled connection could not run the teardown that returns one."""
    session: Session = request.app.state.ctx.sessionmaker()
    try:
        yield session
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


DB = Annotated[Session, Depends(get_db)]

MAX_ROW_ID = 2**63 - 1
#: Every integer id in a path (submissions, tokens, evidence, releases): a positive number
#: the stores can hold. A larger one would overflow the database's integer (a 500); it is
#: refused here (422 in the API, the bad-request page on the web) before any query.
RowId = Annotated[int, Path(ge=1, le=MAX_ROW_ID, description="A positive whole number.")]


def get_ctx(request: Request) -> AppContext:
    """The application context the app was composed with (settings, stores, clock)."""
    return request.app.state.ctx


Ctx = Annotated[AppContext, Depends(get_ctx)]


def _trusted_networks(request: Request) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    state = request.app.state
    networks = getattr(state, "trusted_proxy_networks", None)
    if networks is None:
        ctx = getattr(state, "ctx", None)
        names = ctx.settings.trusted_proxies if ctx is not None else ()
        networks = tuple(ipaddress.ip_network(n, strict=False) for n in names)
        state.trusted_proxy_networks = networks
    return networks


def _is_trusted(address: str, networks: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]
                ) -> bool:
    try:
        ip = ipaddress.ip_address(address.strip())
    except ValueError:
        return False
    return any(ip in net for net in networks)


def client_ip(request: Request) -> str:
    """The client's address, as rate limits and the audit log record it: the peer of the
    connection; ``X-Forwarded-For`` counts only when that peer is one of the configured
    reverse proxies (``SODO_TRUSTED_PROXIES``) — then the right-most address in it that is
    not itself a trusted proxy. (The server runs with uvicorn's own proxy handling off, see
    :data:`sodo.http.app.UVICORN_OPTIONS`.)"""
    peer = request.client.host if request.client else ""
    networks = _trusted_networks(request)
    if not networks or not _is_trusted(peer, networks):
        return peer
    forwarded = ",".join(request.headers.getlist("x-forwarded-for"))
    for hop in reversed([h.strip() for h in forwarded.split(",") if h.strip()]):
        if not _is_trusted(hop, networks):
            try:
                return str(ipaddress.ip_address(hop))
            except ValueError:
                return peer  # a malformed header: fall back to the proxy's own address
    return peer


def _serializer(request: Request, salt: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(request.app.state.secret_key, salt=salt)


def _is_https(request: Request) -> bool:
    """Whether cookies must be ``Secure``: the request came over HTTPS, or the public address
    (``SODO_PUBLIC_URL``) is https — behind a TLS-terminating proxy the app sees plain HTTP."""
    if request.url.scheme == "https":
        return True
    ctx = getattr(request.app.state, "ctx", None)
    return bool(ctx is not None and ctx.settings.public_url.startswith("https://"))


# -- sessions -----------------------------------------------------------------------------

def login_session(response: Response, request: Request, user: User, db: Session) -> None:
    """Start a server-side session for ``user`` and set its cookie (HttpOnly, SameSite=Lax,
    Secure on HTTPS or when the public address is https). The cookie holds only the
    session's random secret, signed; logout, a password change, disabling the user or an
    admin's "end all sessions" end the session on the server at once. The caller commits."""
    secret = accounts.start_session(db, user, client_ip(request))
    value = _serializer(request, "session").dumps({"sid": secret})
    response.set_cookie(SESSION_COOKIE, value, max_age=SESSION_MAX_AGE, httponly=True,
                        samesite="lax", secure=_is_https(request), path="/")
    # A fresh CSRF secret on login, so a token planted before sign-in is worthless after it.
    set_csrf_cookie(response, request, secrets.token_urlsafe(24))


def _session_secret(request: Request) -> str | None:
    raw = request.cookies.get(SESSION_COOKIE)
    if not raw:
        return None
    try:
        data = _serializer(request, "session").loads(raw, max_age=SESSION_MAX_AGE)
    except BadSignature:
        return None
    sid = data.get("sid") if isinstance(data, dict) else None
    return sid if isinstance(sid, str) and 20 <= len(sid) <= 100 else None


def logout_session(response: Response, request: Request, db: Session | None = None) -> None:
    """End this browser's session on the server (with ``db``; the caller commits) and
    clear its cookie."""
    secret = _session_secret(request)
    if secret and db is not None:
        accounts.end_session(db, secret)
    response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="lax",
                           secure=_is_https(request))


def _session_actor(request: Request, db: Session) -> Actor | None:
    secret = _session_secret(request)
    if secret is None:
        return None
    user = accounts.session_user(db, secret)
    if user is None:
        return None
    return Actor.from_user(user, client_ip(request))


# -- CSRF ---------------------------------------------------------------------------------

def set_csrf_cookie(response: Response, request: Request, secret: str) -> None:
    request.state.csrf_secret = secret
    response.set_cookie(CSRF_COOKIE, secret, max_age=SESSION_MAX_AGE, httponly=True,
                        samesite="lax", secure=_is_https(request), path="/")


def csrf_secret(request: Request) -> str:
    """This browser's CSRF secret (from its cookie, or a new one the middleware will set)."""
    secret = getattr(request.state, "csrf_secret", None) or request.cookies.get(CSRF_COOKIE)
    if not secret:
        secret = secrets.token_urlsafe(24)
    request.state.csrf_secret = secret
    return secret


def csrf_token(request: Request) -> str:
    """The token to put in a form's hidden ``csrf_token`` field (or the X-CSRF-Token header)."""
    return _serializer(request, "csrf").dumps(csrf_secret(request))


def csrf_valid(request: Request, token: str | None) -> bool:
    cookie = request.cookies.get(CSRF_COOKIE)
    if not token or not cookie:
        return False
    try:
        value = _serializer(request, "csrf").loads(token, max_age=SESSION_MAX_AGE)
    except BadSignature:
        return False
    return isinstance(value, str) and hmac.compare_digest(value, cookie)


async def _submitted_csrf_token(request: Request) -> str | None:
    token = request.headers.get(CSRF_HEADER)
    if token:
        return token
    content_type = request.headers.get("content-type", "")
    if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
        form = await request.form()
        value = form.get(CSRF_FIELD)
        return value if isinstance(value, str) else None
    return None


async def verify_csrf(request: Request) -> None:
    """Dependency for form posts: refuse (403) unless the form carries a valid CSRF token."""
    if request.method in SAFE_METHODS:
        return
    if not csrf_valid(request, await _submitted_csrf_token(request)):
        raise Forbidden("missing or invalid CSRF token; reload the page and try again")


CSRFChecked = Annotated[None, Depends(verify_csrf)]


# -- who is asking ------------------------------------------------------------------------

#: Where :class:`sodo.http.limits.BodyLimits` leaves the actor it found when it checked the
#: credentials of a write before its body was read (``request.state``).
VERIFIED_ACTOR = "verified_actor"


def lookup_credentials(request: Request, db: Session) -> Actor | None:
    """Who the request's token or session cookie names (None: no live session); an unknown,
    revoked or expired token is :class:`NotAuthenticated`."""
    auth = request.headers.get("authorization", "")
    if auth:
        scheme, _, secret = auth.partition(" ")
        if scheme.lower() != "bearer" or not secret.strip():
            raise NotAuthenticated("use 'Authorization: Bearer <token>'")
        actor = accounts.actor_for_token(db, secret.strip(), client_ip(request))
        if actor is None:
            raise NotAuthenticated("the API token is unknown, revoked or expired")
        return actor
    return _session_actor(request, db)


def _lookup_in_own_session(request: Request) -> Actor | None:
    with request.app.state.ctx.session() as db:
        return lookup_credentials(request, db)


async def _credentials_actor(request: Request) -> Actor | None:
    """Who the request's credentials name; the store is asked (in the thread pool, in a
    session of its own, closed there) only when there are credentials, so an anonymous read
    costs neither a database round trip nor a session here."""
    if not request.headers.get("authorization") and SESSION_COOKIE not in request.cookies:
        return None
    verified = getattr(request.state, VERIFIED_ACTOR, None)
    if verified is not None:  # checked by the body limits, before the body was read
        return verified
    return await run_in_threadpool(_lookup_in_own_session, request)


async def current_user_optional(
        request: Request,
        actor: Annotated[Actor | None, Depends(_credentials_actor)]) -> Actor | None:
    """The signed-in user or token holder, or None for the anonymous public. A token that is
    unknown, revoked or expired is an error (401), not a silent fall-back to anonymous. A
    cookie-authenticated POST/PUT/PATCH/DELETE must carry a valid CSRF token."""
    if actor is not None and actor.via == "session" and request.method not in SAFE_METHODS:
        await verify_csrf(request)
    request.state.actor = actor or Actor.anonymous(client_ip(request))
    return actor


CurrentUserOptional = Annotated[Actor | None, Depends(current_user_optional)]


async def current_actor(request: Request, user: CurrentUserOptional) -> Actor:
    """Who is asking, the anonymous public included: what services take to check rights."""
    return user or Actor.anonymous(client_ip(request))


CurrentActor = Annotated[Actor, Depends(current_actor)]


async def require_user(user: CurrentUserOptional) -> Actor:
    """A signed-in user or token holder; 401 otherwise."""
    if user is None:
        raise NotAuthenticated("sign in or send an API token")
    return user


RequireUser = Annotated[Actor, Depends(require_user)]


def require_role(*roles: Role | str) -> Callable[..., object]:
    """Dependency factory: the user must hold one of ``roles`` (admin always passes)."""
    wanted = {Role(r) for r in roles} | {Role.ADMIN}

    async def dependency(user: RequireUser) -> Actor:
        if user.role not in wanted:
            names = ", ".join(sorted(r.value for r in wanted))
            raise Forbidden(f"this needs one of the roles: {names}")
        return user

    return dependency


RequireAdmin = Annotated[Actor, Depends(require_role(Role.ADMIN))]
