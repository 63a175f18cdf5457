"""Small builders shared by the API tests."""
import datetime as dt


def iso(t):
    return t.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def now():
    return dt.datetime.now(dt.timezone.utc)


def event(i, member="m1", channel="forum", kind="create", at=None, **extra):
    e = {"id": f"e{i}", "member": member, "channel": channel, "action": "post",
         "kind": kind, "occurred_at": iso(at or now() - dt.timedelta(hours=1))}
    e.update(extra)
    return e
