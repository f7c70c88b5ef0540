"""First run: create the admin account with the one-time setup code ``photoshare serve`` prints.

``GET /setup?code=…`` is the link ``serve`` prints: a small page, rendered here with no script, so it
works in any browser (a phone's included) whether or not the web app is running. Posting its form
registers the admin exactly as ``POST /api/v1/auth/register`` with ``setup_code`` does.
``GET /api/v1/setup`` tells a client whether to ask for the code.
"""

from __future__ import annotations

import html

from aiohttp import web

from ..context import CONTEXT
from ..web.errors import ApiError, InvalidInput
from ..web.http import json_response
from ..web.middlewares import client_address
from ..web.routing import doc
from ..web.uploads import MULTIPART_ERRORS

routes = web.RouteTableDef()
TAG = "setup"
# Form posts one address may make per minute: a person mistyping a code needs a few, a guesser needs billions.
SETUP_ATTEMPTS_PER_MINUTE = 10
MAX_FORM_FIELD_CHARS = 1024  # the longest password the API accepts; anything longer is not a real answer

SECURITY_HEADERS = {
    # The page carries a secret in its address: never cached, never framed, never sent on as a referrer.
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; "
                               "frame-ancestors 'none'; base-uri 'none'",
}

STYLE = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;background:#fafafa;color:#262626;margin:0;
display:flex;justify-content:center;padding:2rem 1rem}
main{background:#fff;border:1px solid #dbdbdb;border-radius:12px;max-width:24rem;width:100%;padding:2rem 1.5rem}
h1{font-size:1.5rem;margin:0 0 .5rem}p{line-height:1.45}label{display:block;font-size:.9rem;margin:1rem 0 .3rem}
input{box-sizing:border-box;width:100%;padding:.7rem;font-size:1rem;border:1px solid #dbdbdb;border-radius:8px}
button{margin-top:1.5rem;width:100%;padding:.8rem;font-size:1rem;border:0;border-radius:8px;background:#0095f6;color:#fff}
.error{background:#fdecea;border-radius:8px;padding:.7rem;color:#a12622}.hint{color:#737373;font-size:.85rem}
a{color:#0095f6}code{background:#f2f2f2;padding:.1rem .3rem;border-radius:4px}
:root{color-scheme:light dark}
@media (prefers-color-scheme:dark){body{background:#121212;color:#f0f0f0}main{background:#1e1e1e;border-color:#363636}
input{background:#121212;color:#f0f0f0;border-color:#4a4a4a}.error{background:#4a1c1a;color:#ffb4ab}.hint{color:#a8a8a8}
a{color:#6cb8ff}code{background:#2a2a2a}button{background:#1a7fd4}}
"""


def _page(title: str, body: str, status: int = 200) -> web.Response:
    document = (f'<!doctype html><html lang="en"><head><meta charset="utf-8">'
                f'<meta name="viewport" content="width=device-width,initial-scale=1">'
                f"<title>{html.escape(title)} · PhotoShare</title><style>{STYLE}</style></head>"
                f"<body><main>{body}</main></body></html>")
    return web.Response(text=document, status=status, content_type="text/html", charset="utf-8", headers=SECURITY_HEADERS)


def _form(code: str, username: str = "", error: str = "", status: int = 200, code_needed: bool = True) -> web.Response:
    problem = f'<p class="error" role="alert">{html.escape(error)}</p>' if error else ""
    code_field = (f'<label for="code">Setup code</label>'
                  f'<input id="code" name="code" value="{html.escape(code)}" autocomplete="off" autocapitalize="characters" '
                  f'spellcheck="false" required>'
                  f'<p class="hint">Printed by <code>photoshare serve</code> on the server; it works once.</p>') if code_needed else ""
    body = (f"<h1>Welcome to PhotoShare</h1><p>Create the admin account: it runs this server, invites people "
            f"and can do everything an account can.</p>{problem}"
            f'<form method="post" action="/setup">{code_field}'
            f'<label for="username">Username</label>'
            f'<input id="username" name="username" value="{html.escape(username)}" autocomplete="username" '
            f'autocapitalize="none" spellcheck="false" minlength="3" maxlength="30" required>'
            f'<p class="hint">3 to 30 characters: letters a-z, digits, "." and "_".</p>'
            f'<label for="password">Password</label>'
            f'<input id="password" name="password" type="password" autocomplete="new-password" minlength="8" required>'
            f'<label for="password2">The password again</label>'
            f'<input id="password2" name="password2" type="password" autocomplete="new-password" minlength="8" required>'
            f'<button type="submit">Create the admin account</button></form>')
    return _page("Set up", body, status)


def _already_set_up() -> web.Response:
    return _page("Already set up", "<h1>PhotoShare is set up</h1><p>This server already has its admin. "
                                   '<a href="/">Open PhotoShare</a> and sign in.</p>')


@routes.get("/api/v1/setup")
@doc("Whether the server waits for its admin (registering then needs the setup code `photoshare serve` printed), and "
     "who may register once it has one (`registration`: open, invite or closed), for a sign-in screen to ask for what is needed.",
     auth=False, tag=TAG, responses={200: "{setup_required: boolean, registration: open|invite|closed}"})
async def setup_status(request: web.Request) -> web.Response:
    ctx = request.app[CONTEXT]
    return json_response({"setup_required": await ctx.registration.setup_required(), "registration": ctx.settings.registration})


@routes.get("/setup")
@doc("The first-run page (HTML): a form that creates the admin account with the setup code.", auth=False, tag=TAG,
     query={"code": "the setup code, as in the link `photoshare serve` prints"}, responses={200: "an HTML page"})
async def setup_page(request: web.Request) -> web.Response:
    ctx = request.app[CONTEXT]
    if await ctx.registration.setup_required():
        return _form(request.query.get("code", "")[:MAX_FORM_FIELD_CHARS])
    if not await ctx.registration.has_accounts():
        return _form("", code_needed=False)  # require_setup_code = false: the first account becomes the admin
    return _already_set_up()


@routes.post("/setup")
@doc("Create the admin account from the first-run page's form.", auth=False, tag=TAG,
     content_type="application/x-www-form-urlencoded",
     body={"code": "string", "username": "string", "password": "string", "password2": "string"},
     responses={200: "an HTML page: the admin was created", 400: "the form again, saying what to fix",
                403: "the form again: wrong, used or expired code", 409: "username taken", 429: "too many attempts"})
async def setup_submit(request: web.Request) -> web.Response:
    ctx = request.app[CONTEXT]
    wait = await ctx.limiter.hit("setup:" + client_address(request), SETUP_ATTEMPTS_PER_MINUTE)
    if wait:
        response = _page("Too many attempts", f"<h1>Too many attempts</h1><p>Wait {wait} seconds, then "
                                              '<a href="/setup">try again</a>.</p>', status=429)
        response.headers["Retry-After"] = str(wait)
        return response
    try:
        form = await request.post()
    except MULTIPART_ERRORS as exc:  # a multipart form with no boundary, a broken part...
        raise InvalidInput(f"The form could not be read: {' '.join(str(exc).split())[:200]}.") from None
    fields = {name: str(form.get(name, ""))[:MAX_FORM_FIELD_CHARS] for name in ("code", "username", "password", "password2")}
    required = await ctx.registration.setup_required()
    if not required and await ctx.registration.has_accounts():
        return _already_set_up()
    if fields["password"] != fields["password2"]:
        return _form(fields["code"], fields["username"], "The two passwords are not the same.", 400, required)
    try:
        user, token = await ctx.registration.register(fields["username"], fields["password"],
                                                  setup_code=fields["code"] if required else None)
    except ApiError as exc:
        return _form(fields["code"], fields["username"], exc.message, exc.status, required)
    await ctx.sessions.logout(token)  # this page signs nobody in; the app does
    name = html.escape(user["username"])
    mode = ctx.settings.registration
    who = {"open": "Anyone who can reach this server may now register.",
           "invite": "People register with invite codes: make them with <code>photoshare admin invite</code>.",
           "closed": "Nobody else can register: create accounts with <code>photoshare admin users create</code>."}[mode]
    return _page("Ready", f"<h1>You are the admin</h1><p>The account <b>@{name}</b> runs this server now. "
                          f"The setup code is used up.</p><p>{who}</p>"
                          f'<p><a href="/">Open PhotoShare</a> and sign in as @{name}.</p>')
