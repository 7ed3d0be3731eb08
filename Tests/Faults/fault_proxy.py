#!/usr/bin/env python3
"""A TCP proxy in front of PostgreSQL that injects the faults a network and a database give.

It forwards every connection from 127.0.0.1:<port> to PostgreSQL's Unix socket. Commands on
standard input, each acknowledged by a line on standard output:

  arm        lose the reply to the next commit: hold each reply from the server until its
             ReadyForQuery, and close the connection instead of forwarding one that reports a commit
             -- a COMMIT, or an INSERT run outside a transaction block (ReadyForQuery says idle: the
             statement committed on its own, as the appender's one-statement batches do). The
             transaction has committed, the client never hears so -- prints `armed`, then `dropped`
  down       the database goes away: every open connection is closed, new ones are closed at once
             -- prints `is down`
  partition  the network between them is cut: open connections stop carrying bytes either way
             and new ones are accepted but not answered; as TCP retransmits across a partition,
             the bytes are held and delivered once the network is back -- prints `is partition`
  up         back to forwarding (connections closed meanwhile stay closed) -- prints `is up`

It prints `port N` once listening.

Usage: python3 Tests/Faults/fault_proxy.py --socket /path/.s.PGSQL.5432
"""
import argparse
import asyncio
import struct
import sys

armed = False
mode = "up"
open_writers = set()
flowing = None  # an asyncio.Event, set unless the network is partitioned


async def pipe_client_to_server(reader, writer):
    try:
        while data := await reader.read(65536):
            await flowing.wait()
            writer.write(data)
            await writer.drain()
    except (ConnectionError, asyncio.CancelledError):
        pass
    finally:
        writer.close()


def reports_commit(reply):
    """Whether a reply (whole messages, ending with its ReadyForQuery) reports a commit."""
    tags, position = [], 0
    while position < len(reply):
        length = struct.unpack("!I", reply[position + 1:position + 5])[0]
        if reply[position:position + 1] == b"C":
            tags.append(reply[position + 5:position + 1 + length])
        position += 1 + length
    idle = reply[-1:] == b"I"  # ReadyForQuery's status: no transaction block open
    return any(tag.startswith(b"COMMIT") or (idle and tag.startswith(b"INSERT")) for tag in tags)


async def pipe_server_to_client(reader, writer, on_drop):
    """Forwards whole protocol messages (type byte, int32 length), except an armed commit's reply."""
    global armed
    buffer = b""
    held = b""  # while armed: the reply so far, held until its ReadyForQuery
    try:
        while data := await reader.read(65536):
            await flowing.wait()
            buffer += data
            out = b""
            while len(buffer) >= 5:
                length = struct.unpack("!I", buffer[1:5])[0]
                if len(buffer) < 1 + length:
                    break
                message, buffer = buffer[:1 + length], buffer[1 + length:]
                if not armed:
                    out += held + message
                    held = b""
                    continue
                held += message
                if message[:1] != b"Z":
                    continue
                if reports_commit(held):
                    armed = False
                    writer.write(out)
                    await writer.drain()
                    on_drop()
                    return
                out += held
                held = b""
            writer.write(out)
            await writer.drain()
    except (ConnectionError, asyncio.CancelledError):
        pass
    finally:
        writer.close()


async def main():
    global mode, flowing
    flowing = asyncio.Event()
    flowing.set()
    parser = argparse.ArgumentParser()
    parser.add_argument("--socket", required=True, help="PostgreSQL's Unix socket file")
    args = parser.parse_args()

    async def handle(client_reader, client_writer):
        if mode == "down":
            client_writer.close()
            return
        await flowing.wait()
        if mode == "down":
            client_writer.close()
            return
        server_reader, server_writer = await asyncio.open_unix_connection(args.socket)
        open_writers.update((client_writer, server_writer))

        def dropped():
            print("dropped", flush=True)
            server_writer.close()
            client_writer.close()

        await asyncio.gather(pipe_client_to_server(client_reader, server_writer),
                             pipe_server_to_client(server_reader, client_writer, dropped))
        open_writers.difference_update((client_writer, server_writer))

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    print(f"port {server.sockets[0].getsockname()[1]}", flush=True)

    async def commands():
        global armed, mode
        loop = asyncio.get_running_loop()
        while line := await loop.run_in_executor(None, sys.stdin.readline):
            command = line.strip()
            if command == "arm":
                armed = True
                print("armed", flush=True)
            elif command in ("down", "partition", "up"):
                mode = command
                if command == "partition":
                    flowing.clear()
                else:
                    flowing.set()
                if command == "down":
                    for writer in list(open_writers):
                        writer.close()
                    open_writers.clear()
                print(f"is {command}", flush=True)

    await commands()  # ends when standard input closes


if __name__ == "__main__":
    asyncio.run(main())
