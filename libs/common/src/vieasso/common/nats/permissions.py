"""NATS users and permissions of the production cluster, derived from the catalogue.

``deploy/nats/accounts.conf`` is generated from this module (``python -m
vieasso.common.nats.permissions --output deploy/nats/accounts.conf``) and a test checks the
shipped file equals the output. One user per service, limited to:

- publishing its own facts (its streams' subjects) and dead letters under its own name;
- the JetStream API of its streams, buckets and object stores (create, update, purge,
  consumers);
- reading (never writing) the streams and buckets it consumes from another service: the
  directory's buckets (the common reference data) for everyone, and `READS` and
  `BUCKET_READS` below;
- creating (never updating, purging or deleting) any other stream or bucket of the catalogue,
  so that whichever service starts first can provision the platform;
- replies on its own inbox prefix only (``_INBOX_<user>``; see `inbox_prefix`).

A partner tool of one association may publish ``agenda.submissions.<its slug>`` and read the
JetStream acknowledgements on its own inbox, nothing else. The ``admin`` user (backups,
operators' tools) has the whole account. Passwords come from the nodes' environment
(``NATS_PASSWORD_<USER>``), never from a file in the repository.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from vieasso.common import subjects
from vieasso.common.nats.catalogue import BUCKETS, OBJECT_STORES, STREAMS, Service

ACCOUNT = "VIEASSO"
ADMIN = "admin"

# Streams a service consumes although another service owns them (from the services' code).
READS: dict[Service, tuple[str, ...]] = {
    # the association space shows the letter choice; the home page counts the annonces
    Service.ANNUAIRE: ("NEWSLETTER", "RESSOURCES"),
    Service.AGENDA: (),
    # annonces and aid deadlines in the associations' letter
    Service.NEWSLETTER: ("ANNUAIRE", "AGENDA", "RESSOURCES", "AIDES"),
    Service.RESSOURCES: (),
    Service.AIDES: (),
}
# Buckets a service reads although another service owns them, besides the directory's.
BUCKET_READS: dict[Service, tuple[str, ...]] = {
    Service.ANNUAIRE: ("agenda_events",),  # an association's page lists its upcoming events
    Service.AGENDA: (),
    Service.NEWSLETTER: (),
    Service.RESSOURCES: ("agenda_events",),  # a loan may serve one of its association's events
    Service.AIDES: (),
}
# Subjects a service publishes into a stream another service owns (besides its own mail
# requests, `courrier.requests.<service>`, which every service may publish).
PUBLISHES_INTO: dict[Service, tuple[str, ...]] = {
    # the association space records an association's choice about the associations' letter
    Service.ANNUAIRE: (subjects.LETTER_CHOICES_ALL,),
    Service.AGENDA: (),
    Service.NEWSLETTER: (),
    Service.RESSOURCES: (),
    Service.AIDES: (),
}
# Durable consumers of each stream, used only by the stream's owner (the agenda's default
# `agenda_consumer`, the newsletter's sender and its mail consumer): a service that may read
# the stream is denied pulling from, acknowledging on or redefining them, so it cannot take
# the owner's messages.
DURABLES: dict[str, tuple[str, ...]] = {
    "AGENDA": ("agenda-submissions",),
    "NEWSLETTER_DELIVERIES": ("newsletter-sender",),
    "COURRIER": ("newsletter-courrier",),
}


@dataclass(frozen=True)
class Permissions:
    publish: tuple[str, ...]
    subscribe: tuple[str, ...]
    publish_deny: tuple[str, ...] = ()


@dataclass(frozen=True)
class User:
    name: str
    permissions: Permissions | None  # None: the whole account
    comment: str = ""
    password_variable: str = field(init=False)

    def __post_init__(self) -> None:
        token = re.sub(r"[^A-Z0-9]", "_", self.name.upper())
        object.__setattr__(self, "password_variable", f"NATS_PASSWORD_{token}")


def inbox_prefix(user: str) -> str:
    """The reply subjects' prefix of `user` (nats-py ``inbox_prefix``): no one else's inbox."""
    return f"_INBOX_{user}"


def _stream_read(stream: str) -> list[str]:
    api = "$JS.API"
    return [
        f"{api}.STREAM.INFO.{stream}",
        f"{api}.STREAM.MSG.GET.{stream}",
        f"{api}.DIRECT.GET.{stream}",
        f"{api}.DIRECT.GET.{stream}.>",
        f"{api}.CONSUMER.CREATE.{stream}",
        f"{api}.CONSUMER.CREATE.{stream}.>",
        f"{api}.CONSUMER.INFO.{stream}.>",
        f"{api}.CONSUMER.MSG.NEXT.{stream}.>",
        f"$JS.ACK.{stream}.>",
        f"$JS.FC.{stream}.>",
    ]


def _stream_own(stream: str) -> list[str]:
    api = "$JS.API"
    return [
        *_stream_read(stream),
        *(f"{api}.STREAM.{op}.{stream}" for op in ("UPDATE", "PURGE", "MSG.DELETE")),
        f"{api}.CONSUMER.DURABLE.CREATE.{stream}.>",
        f"{api}.CONSUMER.DELETE.{stream}.>",
        f"{api}.CONSUMER.NAMES.{stream}",
        f"{api}.CONSUMER.LIST.{stream}",
    ]


def _durables_of_others(stream: str) -> list[str]:
    api = "$JS.API.CONSUMER"
    denied = []
    for name in DURABLES.get(stream, ()):
        denied += [f"{api}.{op}.{stream}.{name}" for op in ("CREATE", "DURABLE.CREATE", "MSG.NEXT")]
        denied += [f"{api}.CREATE.{stream}.{name}.>", f"$JS.ACK.{stream}.{name}.>"]
    return denied


def _kv_stream(bucket: str) -> str:
    return f"KV_{bucket}"


def service_user(service: Service) -> User:
    publish: list[str] = ["$JS.API.INFO", "$JS.API.STREAM.NAMES"]
    deny: list[str] = []
    publish += [f"$JS.API.STREAM.CREATE.{s.name}" for s in STREAMS]
    publish += [f"$JS.API.STREAM.CREATE.{_kv_stream(b.name)}" for b in BUCKETS]
    publish += [f"$JS.API.STREAM.CREATE.{o.stream}" for o in OBJECT_STORES]
    for stream in STREAMS:
        if stream.owner is service:
            publish += [*stream.subjects, *_stream_own(stream.name)]
        elif stream.owner is None or stream.name in READS[service]:
            publish += _stream_read(stream.name)
            deny += _durables_of_others(stream.name)
    publish.append(subjects.deadletter(service.value, ">"))
    publish.append(subjects.courrier_request(service.value))
    publish += PUBLISHES_INTO[service]
    for bucket in BUCKETS:
        if bucket.owner is service:
            publish += [f"$KV.{bucket.name}.>", *_stream_own(_kv_stream(bucket.name))]
        elif bucket.owner is Service.ANNUAIRE or bucket.name in BUCKET_READS[service]:
            publish += _stream_read(_kv_stream(bucket.name))
    for store in OBJECT_STORES:  # only its owner reads or writes an object store
        if store.owner is service:
            publish += [f"$O.{store.name}.>", *_stream_own(store.stream)]
    subscribe = (f"{inbox_prefix(service.value)}.>",)
    permissions = Permissions(tuple(publish), subscribe, tuple(deny))
    return User(service.value, permissions, f"the {service} service")


def partner_user(slug: str) -> User:
    """The tool of association `slug`: submits its own events, reads only its acks."""
    name = f"partner-{slug}"
    publish = (subjects.submission(slug),)
    subscribe = (f"{inbox_prefix(name)}.>",)
    return User(name, Permissions(publish, subscribe), f"partner tool of association {slug}")


def users(partners: Iterable[str] = ()) -> list[User]:
    admin = User(ADMIN, None, "operators and backups: the whole account")
    return [admin, *(service_user(s) for s in Service), *(partner_user(p) for p in partners)]


def _quoted(values: Sequence[str]) -> str:
    return ", ".join(f'"{v}"' for v in values)


def render_user(user: User, indent: str = "      ") -> str:
    lines = [f"{indent}# {user.comment}", f"{indent}{{"]
    lines.append(f'{indent}  user: "{user.name}"')
    lines.append(f"{indent}  password: ${user.password_variable}")
    if user.permissions is not None:
        lines.append(f"{indent}  permissions: {{")
        lines.append(f"{indent}    publish: {{ allow: [")
        lines += [f'{indent}      "{s}"' for s in user.permissions.publish]
        if user.permissions.publish_deny:
            lines.append(f"{indent}    ], deny: [")
            lines += [f'{indent}      "{s}"' for s in user.permissions.publish_deny]
        lines.append(f"{indent}    ] }}")
        lines.append(f"{indent}    subscribe: {{ allow: [{_quoted(user.permissions.subscribe)}] }}")
        lines.append(f"{indent}  }}")
    lines.append(f"{indent}}}")
    return "\n".join(lines)


HEADER = """\
# GENERATED from the stream and bucket catalogue: do not edit by hand. Regenerate with
#   python -m vieasso.common.nats.permissions --output deploy/nats/accounts.conf
# (add --partner SLUG for each association tool allowed to submit events over NATS).
# Included by cluster.conf. Every user's password comes from the environment of the nodes
# (NATS_PASSWORD_<USER>, see deploy/nats-users.env.example); no client connects without one.
# Each service connects with its user and the inbox prefix _INBOX_<user>.
"""


# JetStream limits of the account, whatever its streams declare (docs/deploy.md, "Limits").
# Every stream must declare max_bytes (the catalogue's limits; a KV bucket too), so the file
# store is reserved up front and a stream that would not fit is refused at creation.
ACCOUNT_JETSTREAM = """\
    jetstream {
      max_memory: 256MB
      max_file: 44GB
      max_streams: 64
      max_consumers: 1000
      max_bytes_required: true
    }"""


def render_accounts_conf(partners: Iterable[str] = ()) -> str:
    body = "\n".join(render_user(u) for u in users(partners))
    template = "\n".join(
        f"      # {line}" for line in render_user(partner_user("SLUG"), indent="").splitlines()
    )
    return (
        f"{HEADER}\naccounts {{\n  {ACCOUNT} {{\n{ACCOUNT_JETSTREAM}\n    users: [\n"
        f"{body}\n"
        f"      # Template of a partner tool (generated by --partner SLUG):\n{template}\n"
        "    ]\n  }\n}\n"
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Write the NATS accounts.conf of the cluster.")
    parser.add_argument("--partner", action="append", default=[], metavar="SLUG")
    parser.add_argument("--output", type=Path, help="file to write (default: standard output)")
    args = parser.parse_args(argv)
    text = render_accounts_conf(subjects.submission(p).rsplit(".", 1)[1] for p in args.partner)
    if args.output is None:
        sys.stdout.write(text)
    else:
        args.output.write_text(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
