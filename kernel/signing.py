"""Signed chain heads: Ed25519 keys, the pinned keyring, and the signed head itself.

A service signs its chain head (position, hash of the event there, Merkle root of every event
up to it) with a private key kept outside its database. Whoever checks the chain holds the
services' **public** keys pinned in configuration (a keyring) and never takes a key from the
service being checked: with the keyring alone, nobody who can only edit a database can make
a head that verifies, so an edit followed by recomputing every hash no longer passes.

Files:

- a private key: PKCS#8 PEM, unencrypted, mode 0600 (``tcpl keys generate``), one per service;
- a keyring: a directory of ``<source>.pub`` files (SubjectPublicKeyInfo PEM; an old key kept
  after a rotation is ``<source>.<anything>.pub``), or a JSON file
  ``{"format": "tcpl-keyring/1", "keys": [{"source", "public_key"}]}`` with the raw public
  keys in base64.

A key is named by its id: the first 16 hex digits of the SHA-256 of its raw 32 bytes; its
fingerprint is all 64.
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import os
import stat
from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from kernel import clock
from kernel.canonical import canonical_bytes
from kernel.merkle import Frontier

log = logging.getLogger(__name__)

HEAD_FORMAT = "tcpl-signed-head/1"
KEYRING_FORMAT = "tcpl-keyring/1"
SIGNED_FIELDS = ("source", "position", "head_hash", "merkle_root", "signed_at", "key_id")
CHECKED_KEPT = 100_000  # signatures remembered as checked (32-byte digests: a few MB)


class PublicKey:
    def __init__(self, key: Ed25519PublicKey):
        self.key = key
        self.raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        self.fingerprint = hashlib.sha256(self.raw).hexdigest()
        self.key_id = self.fingerprint[:16]

    def verify(self, signature: str, payload: bytes) -> bool:
        try:
            self.key.verify(base64.b64decode(signature, validate=True), payload)
            return True
        except (InvalidSignature, ValueError):
            return False

    def pem(self) -> bytes:
        return self.key.public_bytes(serialization.Encoding.PEM,
                                     serialization.PublicFormat.SubjectPublicKeyInfo)

    def to_dict(self, source: str) -> dict:
        return {"source": source, "key_id": self.key_id, "fingerprint": self.fingerprint,
                "public_key": base64.b64encode(self.raw).decode("ascii")}

    @classmethod
    def from_raw(cls, raw: bytes) -> PublicKey:
        return cls(Ed25519PublicKey.from_public_bytes(raw))

    @classmethod
    def from_pem(cls, pem: bytes) -> PublicKey:
        key = serialization.load_pem_public_key(pem)
        if not isinstance(key, Ed25519PublicKey):
            raise ValueError("not an Ed25519 public key")
        return cls(key)


class SigningKey:
    """A service's private key, read from its file."""

    def __init__(self, key: Ed25519PrivateKey):
        self._key = key
        self.public = PublicKey(key.public_key())
        self.key_id = self.public.key_id

    def sign(self, payload: bytes) -> str:
        return base64.b64encode(self._key.sign(payload)).decode("ascii")

    @classmethod
    def load(cls, path: str | Path) -> SigningKey:
        path = Path(path)
        mode = path.stat().st_mode
        if mode & (stat.S_IRWXG | stat.S_IRWXO):
            log.warning("signing key %s can be read by other users (mode %o); make it 0600",
                        path, stat.S_IMODE(mode))
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
        if not isinstance(key, Ed25519PrivateKey):
            raise ValueError(f"{path} is not an Ed25519 private key")
        return cls(key)


def generate_keys(directory: str | Path, sources: Iterable[str]) -> list[Path]:
    """A private key (``<source>.key``, mode 0600) and its public key (``<source>.pub``) for
    each source that has none yet in ``directory``; keys already there are kept, never
    replaced (a new key would orphan every head the old one signed). Returns the files made."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    made = []
    for source in sources:
        private_path, public_path = directory / f"{source}.key", directory / f"{source}.pub"
        if private_path.exists():
            if not public_path.exists():
                public_path.write_bytes(SigningKey.load(private_path).public.pem())
                made.append(public_path)
            continue
        key = Ed25519PrivateKey.generate()
        pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
        # Created 0600 from the start: never readable by others, not even for a moment.
        descriptor = os.open(private_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(pem)
        public_path.write_bytes(PublicKey(key.public_key()).pem())
        made += [private_path, public_path]
    return made


@dataclass(frozen=True)
class SignedHead:
    """One signature over a chain head. ``frontier`` (the roots of the Merkle tree's perfect
    subtrees) is kept beside it, unsigned but bound to it by ``merkle_root``: it lets the
    next signature extend the tree instead of reading the whole log again."""

    source: str
    position: int
    head_hash: str
    merkle_root: str
    signed_at: str
    key_id: str
    signature: str
    frontier: tuple[str, ...] | None = None

    def payload(self) -> bytes:
        """The bytes signed: RFC 8785 JSON of the signed fields and the format."""
        return canonical_bytes({"format": HEAD_FORMAT,
                                **{name: getattr(self, name) for name in SIGNED_FIELDS}})

    def ref(self) -> dict:
        return {"position": self.position, "signed_at": self.signed_at, "key_id": self.key_id}

    def to_dict(self, frontier: bool = False) -> dict:
        body = {name: getattr(self, name) for name in (*SIGNED_FIELDS, "signature")}
        if frontier and self.frontier is not None:
            body["frontier"] = list(self.frontier)
        return body

    def tree(self) -> Frontier | None:
        """The frontier as a tree, if it is stored and folds to the signed root."""
        if self.frontier is None:
            return None
        try:
            tree = Frontier.from_hex(self.position, self.frontier)
        except ValueError:
            return None
        return tree if tree.root().hex() == self.merkle_root else None

    @classmethod
    def from_dict(cls, body: dict) -> SignedHead:
        """A head from JSON; ValueError naming the first field that is missing or malformed."""
        if not isinstance(body, dict):
            raise ValueError("a signed head is an object")
        checks = {"source": str, "position": int, "head_hash": str, "merkle_root": str,
                  "signed_at": str, "key_id": str, "signature": str}
        for name, kind in checks.items():
            value = body.get(name)
            if not isinstance(value, kind) or isinstance(value, bool):
                raise ValueError(f"signed head field {name!r} is missing or not a {kind.__name__}")
        for name in ("head_hash", "merkle_root"):
            if len(body[name]) != 64 or not _is_hex(body[name]):
                raise ValueError(f"signed head field {name!r} is not 64 hex digits")
        frontier = body.get("frontier")
        if frontier is not None and not (isinstance(frontier, list)
                                         and all(isinstance(n, str) for n in frontier)):
            raise ValueError("signed head field 'frontier' is not a list of hex strings")
        return cls(**{name: body[name] for name in checks},
                   frontier=None if frontier is None else tuple(frontier))

    @classmethod
    def sign(cls, key: SigningKey, source: str, position: int, head_hash: str,
             tree: Frontier) -> SignedHead:
        unsigned = cls(source=source, position=position, head_hash=head_hash,
                       merkle_root=tree.root().hex(),
                       signed_at=clock.now().isoformat(timespec="microseconds"),
                       key_id=key.key_id, signature="", frontier=tuple(tree.to_hex()))
        return replace(unsigned, signature=key.sign(unsigned.payload()))


def _is_hex(text: str) -> bool:
    try:
        bytes.fromhex(text)
        return True
    except ValueError:
        return False


class Keyring:
    """The public keys a verifier trusts, each bound to the one source it may sign for."""

    def __init__(self, entries: Iterable[tuple[str, PublicKey]] = ()):
        self._by_id: dict[str, tuple[str, PublicKey]] = {}
        for source, key in entries:
            self._by_id[key.key_id] = (source, key)
        # Signatures already checked (a head is checked on every sweep; Ed25519 costs ~60 µs).
        self._checked: dict[str, str | None] = {}

    def __len__(self) -> int:
        return len(self._by_id)

    def __bool__(self) -> bool:
        return True  # an empty keyring still refuses every head; it is not "no keyring"

    def entries(self) -> list[dict]:
        return sorted((key.to_dict(source) for source, key in self._by_id.values()),
                      key=lambda e: (e["source"], e["key_id"]))

    def keys_of(self, source: str) -> list[PublicKey]:
        return [key for owner, key in self._by_id.values() if owner == source]

    def with_key(self, source: str, key: PublicKey) -> Keyring:
        """This keyring plus ``key`` for ``source`` (a service trusts its own key's public half)."""
        return Keyring([*self._by_id.values(), (source, key)])

    def problem(self, head: SignedHead) -> tuple[str, str] | None:
        """Why ``head`` cannot be trusted, as (kind, reason); None when its signature verifies
        with a pinned key of its own source."""
        found = self._by_id.get(head.key_id)
        if found is None:
            return ("unknown_key", f"signed with key {head.key_id}, which is not in the pinned keyring")
        source, key = found
        if source != head.source:
            return ("signature", f"signed with the key of {source}, not of {head.source}")
        payload = head.payload()
        cache_key = hashlib.sha256(head.signature.encode() + payload).digest()
        if cache_key not in self._checked:
            if len(self._checked) >= CHECKED_KEPT:
                self._checked.clear()
            self._checked[cache_key] = (None if key.verify(head.signature, payload)
                                        else "its signature does not verify: forged or altered")
        reason = self._checked[cache_key]
        return None if reason is None else ("signature", reason)

    @classmethod
    def load(cls, path: str | Path) -> Keyring:
        """A keyring directory of ``*.pub`` files, or a keyring JSON file."""
        path = Path(path)
        if path.is_dir():
            entries = []
            for file in sorted(path.glob("*.pub")):
                entries.append((file.name.split(".")[0], PublicKey.from_pem(file.read_bytes())))
            return cls(entries)
        body = json.loads(path.read_text(encoding="utf-8"))
        return cls.from_json(body)

    @classmethod
    def from_json(cls, body: dict) -> Keyring:
        if not isinstance(body, dict) or body.get("format") != KEYRING_FORMAT:
            raise ValueError(f"a keyring file says \"format\": \"{KEYRING_FORMAT}\"")
        entries = []
        for entry in body.get("keys", []):
            entries.append((entry["source"],
                            PublicKey.from_raw(base64.b64decode(entry["public_key"], validate=True))))
        return cls(entries)

    def to_json(self) -> dict:
        return {"format": KEYRING_FORMAT,
                "keys": [{"source": e["source"], "public_key": e["public_key"]}
                         for e in self.entries()]}
