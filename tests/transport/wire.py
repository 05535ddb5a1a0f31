"""Frames of the p2p wire protocol (version 4) built by hand, signed as a peer signs them: what the
attack tests send. The layout is protocol/codec.hpp's; the proofs are protocol/auth.hpp's."""
import hashlib
import os
import struct

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

VERSION = 4
KEEP_ALIVE = struct.pack(">I", 1) + bytes([VERSION])
MESSAGE, JOIN_REQ, JOIN_ACK = 0, 1, 2


def addr_bytes(host, port):
    """An IPv4 address as the codec writes it: v4-mapped IPv6, then the port (little-endian)."""
    ip = bytes(10) + b"\xff\xff" + bytes(int(x) for x in host.split("."))
    return ip, port


def frame(type_, origin, id_, text=b"", ref=0, body=b"", hops=0):
    ip, port = origin
    payload = bytes([1, type_, hops]) + ip + struct.pack("<H", port) + struct.pack("<Q", id_)
    payload += struct.pack("<I", len(text)) + text
    payload += struct.pack("<QIBBH", ref, 0, 0, 0, 0) + struct.pack("<I", len(body)) + body
    data = bytes([VERSION]) + payload
    return struct.pack(">I", len(data)) + data


def message_id(key, seq):
    """protocol/identity.cpp: BLAKE2b-128 of (key, sequence) under a fixed key, first 8 bytes."""
    h = hashlib.blake2b(key + struct.pack("<Q", seq), digest_size=16, key=b"p2p message id v1")
    return int.from_bytes(h.digest()[:8], "big")


def statement_origin(origin):
    ip, port = origin
    return ip + struct.pack(">H", port)


class Identity:
    def __init__(self):
        self.secret = Ed25519PrivateKey.generate()
        self.key = self.secret.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)

    def message(self, origin, seq, text, hops=0):
        """A signed chat message: its frame and id."""
        sig = self.secret.sign(b"p2p/msg" + self.key + struct.pack("<Q", seq) +
                               statement_origin(origin) + text)
        id_ = message_id(self.key, seq)
        return frame(MESSAGE, origin, id_, text, body=self.key + struct.pack("<Q", seq) + sig,
                     hops=hops), id_

    def join_request(self, origin, id_):
        sig = self.secret.sign(b"p2p/join" + self.key + statement_origin(origin) +
                               struct.pack("<Q", id_))
        return frame(JOIN_REQ, origin, id_, body=self.key + sig)

    def join_ack(self, origin, id_, ref, asker_key):
        """A JOIN_ACK from `origin` answering request `ref` of the peer whose key is asker_key."""
        sig = self.secret.sign(b"p2p/ack" + self.key + statement_origin(origin) +
                               struct.pack("<Q", ref) + asker_key)
        return frame(JOIN_ACK, origin, id_, ref=ref, body=self.key + sig)


def forged_message(key, origin, seq, text):
    """A message naming `key` as its author, with a signature that is not its."""
    return frame(MESSAGE, origin, message_id(key, seq), text,
                 body=key + struct.pack("<Q", seq) + os.urandom(64))


def read_frames(buf):
    """Splits complete frames off the front of `buf`: (list of (type, payload), rest)."""
    out = []
    while len(buf) >= 4:
        n = struct.unpack(">I", buf[:4])[0]
        if len(buf) < 4 + n:
            break
        data = buf[4:4 + n]
        buf = buf[4 + n:]
        if n >= 3:
            out.append((data[2], data))
    return out, buf


def parse_message(data):
    """(origin port, id, text, key, seq) of a MESSAGE frame's data (version byte first)."""
    off = 1 + 1 + 1 + 1  # version, byte-order mark, type, hops
    port = struct.unpack("<H", data[off + 16:off + 18])[0]
    off += 18
    id_ = struct.unpack("<Q", data[off:off + 8])[0]
    off += 8
    n = struct.unpack("<I", data[off:off + 4])[0]
    text = data[off + 4:off + 4 + n]
    off += 4 + n + 8 + 4 + 1 + 1 + 2
    blen = struct.unpack("<I", data[off:off + 4])[0]
    body = data[off + 4:off + 4 + blen]
    key, seq = body[:32], struct.unpack("<Q", body[32:40])[0] if blen >= 40 else 0
    return port, id_, text, key, seq
