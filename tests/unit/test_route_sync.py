"""The app and a client that answers its route pushes late and navigates on its own (Back, Forward), in every
interleaving Hypothesis finds: once all messages have arrived the app shows where the client is, and a late
answer never takes the app away from where it last went by itself."""

from __future__ import annotations

from collections import deque

from hypothesis import settings, strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from ui.route_sync import RouteSync

ROUTES = ("/", "/search", "/stories/bob", "/post/1", "/profile/alice")


class AppAndClient(RuleBasedStateMachine):
    client_navigates = True  # Back and Forward in the client, besides the app's own pushes

    def __init__(self) -> None:
        super().__init__()
        self.sync = RouteSync("/")
        self.app_route = self.went = "/"  # what the app shows; where it last went by itself
        self.to_client: deque[str] = deque()  # pushes on their way
        self.to_app: deque[str] = deque()  # route reports on their way
        self.history, self.position = ["/"], 0  # the client's session history

    @property
    def client_url(self) -> str:
        return self.history[self.position]

    @rule(route=st.sampled_from(ROUTES))
    def app_goes(self, route: str) -> None:
        self.app_route = self.went = route
        if self.sync.push(route):
            self.to_client.append(route)

    @precondition(lambda self: self.to_client)
    @rule()
    def client_takes_a_push(self) -> None:
        route = self.to_client.popleft()
        self.history[self.position + 1:] = [route]
        self.position += 1
        self.to_app.append(route)

    @precondition(lambda self: len(self.to_client) >= 2)
    @rule()
    def client_takes_two_pushes_and_reports_once(self) -> None:
        self.client_takes_a_push()
        self.to_app.pop()
        self.client_takes_a_push()

    @precondition(lambda self: self.client_navigates)
    @rule(forward=st.booleans())
    def client_goes_back_or_forward(self, forward: bool) -> None:
        step = 1 if forward else -1
        if 0 <= self.position + step < len(self.history):
            self.position += step
            self.to_app.append(self.client_url)

    @precondition(lambda self: self.to_app)
    @rule()
    def app_hears_a_report(self) -> None:
        route = self.to_app.popleft()
        if self.sync.heard(route):
            self.app_route = route

    @invariant()
    def only_the_clients_own_navigation_moves_the_app(self) -> None:
        if not self.client_navigates:
            assert self.app_route == self.went

    def teardown(self) -> None:
        while self.to_client or self.to_app:
            if self.to_client:
                self.client_takes_a_push()
            if self.to_app:
                self.app_hears_a_report()
        assert self.app_route == self.client_url, (self.app_route, self.history, self.position)


class AppAlone(AppAndClient):
    client_navigates = False


EXAMPLES = settings(max_examples=300, stateful_step_count=40, deadline=None)


def test_the_app_ends_where_the_client_is() -> None:
    AppAndClient.TestCase.settings = EXAMPLES
    AppAndClient.TestCase().runTest()


def test_late_answers_never_take_the_app_back() -> None:
    AppAlone.TestCase.settings = EXAMPLES
    AppAlone.TestCase().runTest()


def test_a_story_opened_before_the_feeds_answer_stays_open() -> None:
    """The case seen in the browser: signed in (the feed pushed), the story tapped before the feed's answer."""
    sync = RouteSync("/welcome")
    assert sync.push("/")
    assert sync.push("/stories/bob")
    assert not sync.heard("/")  # the feed's late answer: stay on the story
    assert not sync.heard("/stories/bob")
    assert sync.heard("/") and sync.address == "/"  # Back, afterwards: the client's own, followed
