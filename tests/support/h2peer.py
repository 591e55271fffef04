#!/usr/bin/env python3
"""A scripted HTTP/2 server over TLS for the retry tests (tests/unit/tst_http2retries.cpp).

It answers every request 200 with a small JSON body, except that the FIRST request to a path
whose first segment names a fault gets that fault instead (later requests to the same path are
answered normally, so a retry can succeed):

  /goaway/...             GOAWAY(NO_ERROR) with a last-stream-id below the request's stream, as
                          soon as its headers arrive: the request is never processed.
  /refuse/...             RST_STREAM(REFUSED_STREAM) as soon as the headers arrive: never processed.
  /reset-after-body/...   the whole request is processed, then RST_STREAM(INTERNAL_ERROR).
  /cancel-after-body/...  the whole request is processed, then RST_STREAM(CANCEL): Qt reports the
                          same error code as for REFUSED_STREAM, but this stream was processed.
  /drop-after-body/...    the whole request is processed, then the connection is closed.
  /goaway-after-body/...  the whole request is processed, then GOAWAY(NO_ERROR) naming this
                          stream as processed, and the connection is closed without an answer.
  /hold/...               the whole request is processed, and the answer waits: a "goaway" line on
                          stdin sends GOAWAY(NO_ERROR) naming this stream as the last one, a
                          "release" line answers it and closes the connection.

What it did goes to stdout, one line each, for the test to count:
  listening <port>
  <event> <METHOD> <path> conn=<n> stream=<id> body=<bytes> sha256=<hex>
where <event> is processed, goaway, refused, held or the name of a fault after the body
("processed" lines are the requests the application acted on: one per body).

Bounded lifetime: it exits when stdin closes (the test ended or died) or after --lifetime seconds.
Only 127.0.0.1. Needs python3-h2 (Debian).
"""

import argparse
import hashlib
import json
import os
import socket
import ssl
import sys
import threading
import time

import h2.config
import h2.connection
import h2.errors
import h2.events
import h2.exceptions
import h2.settings
import hyperframe.frame

FAULTS_ON_HEADERS = {"goaway", "refuse"}
FAULTS_AFTER_BODY = {"reset-after-body", "cancel-after-body", "drop-after-body", "goaway-after-body", "hold"}

output_lock = threading.Lock()
faults_lock = threading.Lock()
faulted_paths = set()
stop = threading.Event()
# How many "goaway" and "release" lines stdin has carried; a held stream acts on the ones that come
# after it was held.
commands_lock = threading.Lock()
commands = {"goaway": 0, "release": 0}


def command_count(name):
    with commands_lock:
        return commands[name]

connection_numbers = iter(range(1, 1_000_000))


def say(line):
    with output_lock:
        sys.stdout.write(line + "\n")
        sys.stdout.flush()


def fault_for(path):
    """The fault for this path if it is the first request to it, else None."""
    mode = path.lstrip("/").split("/", 1)[0]
    if mode not in FAULTS_ON_HEADERS and mode not in FAULTS_AFTER_BODY:
        return None
    with faults_lock:
        if path in faulted_paths:
            return None
        faulted_paths.add(path)
    return mode


class Stream:
    def __init__(self, method, path, fault):
        self.method = method
        self.path = path
        self.fault = fault
        self.body = bytearray()


class Connection:
    def __init__(self, sock, max_concurrent_streams):
        self.sock = sock
        self.number = next(connection_numbers)
        self.h2 = h2.connection.H2Connection(h2.config.H2Configuration(client_side=False, header_encoding="utf-8"))
        self.streams = {}
        self.held = []  # (stream id, stream, goaway count, release count) when it was held
        self.held_goaway_sent = False
        self.closing = False  # GOAWAY sent: no new stream is processed
        self.write_closed_at = None
        self.max_concurrent_streams = max_concurrent_streams

    def report(self, event, stream_id, stream):
        digest = hashlib.sha256(bytes(stream.body)).hexdigest()
        say(f"{event} {stream.method} {stream.path} conn={self.number} stream={stream_id} "
            f"body={len(stream.body)} sha256={digest}")

    def flush(self):
        data = self.h2.data_to_send()
        if data:
            self.sock.sendall(data)

    def send_goaway(self, last_stream_id):
        """GOAWAY(NO_ERROR) written past h2's state machine, which would refuse to answer the
        streams the GOAWAY names as processed (a held one) once it had sent the frame itself."""
        self.flush()
        self.sock.sendall(hyperframe.frame.GoAwayFrame(0, last_stream_id=last_stream_id, error_code=0).serialize())
        self.closing = True

    def close_for_writing(self):
        """Sends what is pending and a FIN, then only drains: like a server that finished its
        GOAWAY. Closing outright with the client's bytes unread would send a TCP reset, which
        can overtake the GOAWAY in the client's socket."""
        self.flush()
        self.sock.shutdown(socket.SHUT_WR)
        self.write_closed_at = time.monotonic()

    def answer(self, stream_id, stream):
        body = json.dumps({"path": stream.path, "connection": self.number, "stream": stream_id}).encode()
        self.h2.send_headers(stream_id, [(":status", "200"), ("content-type", "application/json"),
                                         ("content-length", str(len(body)))])
        self.h2.send_data(stream_id, body, end_stream=True)

    def on_headers(self, event):
        if self.closing:
            return  # a stream above our GOAWAY's last-stream-id: never processed, never answered
        headers = dict(event.headers)
        stream = Stream(headers.get(":method", "?"), headers.get(":path", "?"), fault_for(headers.get(":path", "")))
        self.streams[event.stream_id] = stream
        if stream.fault == "goaway":
            # Stream ids below ours were (or could have been) processed; ours was not.
            self.report("goaway", event.stream_id, stream)
            self.send_goaway(max(event.stream_id - 2, 0))
            self.close_for_writing()
        elif stream.fault == "refuse":
            self.report("refused", event.stream_id, stream)
            self.h2.reset_stream(event.stream_id, h2.errors.ErrorCodes.REFUSED_STREAM)
            del self.streams[event.stream_id]
        elif event.stream_ended:
            self.on_request_complete(event.stream_id)

    def on_request_complete(self, stream_id):
        stream = self.streams.pop(stream_id, None)
        if stream is None or self.closing:
            return
        # From here on the "application" has the request: it counts as processed whatever follows.
        self.report("processed", stream_id, stream)
        if stream.fault == "reset-after-body":
            self.report("reset-after-body", stream_id, stream)
            self.h2.reset_stream(stream_id, h2.errors.ErrorCodes.INTERNAL_ERROR)
        elif stream.fault == "cancel-after-body":
            self.report("cancel-after-body", stream_id, stream)
            self.h2.reset_stream(stream_id, h2.errors.ErrorCodes.CANCEL)
        elif stream.fault == "drop-after-body":
            self.report("drop-after-body", stream_id, stream)
            self.flush()
            raise ConnectionAbortedError("dropped on purpose")
        elif stream.fault == "goaway-after-body":
            self.report("goaway-after-body", stream_id, stream)
            self.send_goaway(stream_id)
            self.close_for_writing()
        elif stream.fault == "hold":
            self.held.append((stream_id, stream, command_count("goaway"), command_count("release")))
            self.report("held", stream_id, stream)
        else:
            self.answer(stream_id, stream)

    def act_on_commands(self):
        stream_id, stream, goaways, releases = self.held[-1]
        if not self.held_goaway_sent and command_count("goaway") > goaways:
            self.send_goaway(stream_id)
            self.held_goaway_sent = True
        if command_count("release") > releases:
            for stream_id, stream, _, _ in self.held:
                self.answer(stream_id, stream)
            self.held.clear()
            self.close_for_writing()  # every stream is answered: the server is done with us

    def handle(self, event):
        if isinstance(event, h2.events.RequestReceived):
            self.on_headers(event)
        elif isinstance(event, h2.events.DataReceived):
            self.h2.acknowledge_received_data(event.flow_controlled_length, event.stream_id)
            stream = self.streams.get(event.stream_id)
            if stream is not None:
                stream.body += event.data
        elif isinstance(event, h2.events.StreamEnded):
            self.on_request_complete(event.stream_id)
        elif isinstance(event, h2.events.ConnectionTerminated):
            raise ConnectionAbortedError("client sent GOAWAY")

    def run(self):
        self.h2.initiate_connection()
        if self.max_concurrent_streams:
            self.h2.update_settings({h2.settings.SettingCodes.MAX_CONCURRENT_STREAMS: self.max_concurrent_streams})
        self.flush()
        self.sock.settimeout(0.05)
        while not stop.is_set():
            if self.held:
                self.act_on_commands()
            try:
                data = self.sock.recv(65536)
            except socket.timeout:
                if self.write_closed_at and time.monotonic() - self.write_closed_at > 5:
                    return
                continue
            if not data:
                return
            if self.write_closed_at:
                continue  # draining after our FIN (no TLS any more: shutdown() dropped it)
            try:
                events = self.h2.receive_data(data)
            except h2.exceptions.ProtocolError:
                if self.closing:
                    continue  # frames for streams after our GOAWAY; the client will close
                raise
            for event in events:
                self.handle(event)
            self.flush()


def serve_connection(raw, context, max_concurrent_streams):
    try:
        with context.wrap_socket(raw, server_side=True) as sock:
            if sock.selected_alpn_protocol() != "h2":
                return
            Connection(sock, max_concurrent_streams).run()
    except (OSError, ssl.SSLError, ConnectionAbortedError, h2.exceptions.ProtocolError):
        pass


def watch_stdin():
    for line in sys.stdin:
        with commands_lock:
            if line.strip() in commands:
                commands[line.strip()] += 1
    stop.set()  # stdin closed: the test is over


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--cert", required=True)
    parser.add_argument("--key", required=True)
    parser.add_argument("--lifetime", type=float, default=120.0)
    parser.add_argument("--max-concurrent-streams", type=int, default=0)
    args = parser.parse_args()

    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(args.cert, args.key)
    context.set_alpn_protocols(["h2"])

    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    listener.settimeout(0.1)
    threading.Thread(target=watch_stdin, daemon=True).start()
    say(f"listening {listener.getsockname()[1]}")

    deadline = time.monotonic() + args.lifetime
    while not stop.is_set() and time.monotonic() < deadline:
        try:
            raw, _ = listener.accept()
        except socket.timeout:
            continue
        threading.Thread(target=serve_connection, args=(raw, context, args.max_concurrent_streams),
                         daemon=True).start()
    listener.close()
    os._exit(0)  # connection threads are daemons; do not wait for a stuck one


if __name__ == "__main__":
    main()
