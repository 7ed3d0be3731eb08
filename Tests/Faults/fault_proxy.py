#!/usr/bin/env python3
"""A TCP proxy in front of PostgreSQL that can lose one COMMIT reply.

It forwards every connection from 127.0.0.1:<port> to PostgreSQL's Unix socket. Told `arm` on
standard input, it waits for the next CommandComplete whose tag is COMMIT coming back from the
server, and instead of forwarding it closes that connection: the transaction has committed, but
the client never hears so -- the "unknown outcome" a network failure leaves behind. It prints
`port N` once listening, `armed` when armed, and `dropped` when it has dropped a reply.

Usage: python3 Tests/Faults/commit_dropper.py --socket /path/.s.PGSQL.5432
"""
import argparse
import asyncio
import struct
import sys

armed = False


async def pipe_client_to_server(reader, writer):
    try:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    except (ConnectionError, asyncio.CancelledError):
        pass
    finally:
        writer.close()


async def pipe_server_to_client(reader, writer, on_drop):
    """Forwards whole protocol messages (type byte, int32 length), except an armed COMMIT reply."""
    global armed
    buffer = b""
    try:
        while data := await reader.read(65536):
            buffer += data
            out = b""
            while len(buffer) >= 5:
                length = struct.unpack("!I", buffer[1:5])[0]
                if len(buffer) < 1 + length:
                    break
                message, buffer = buffer[:1 + length], buffer[1 + length:]
                if armed and message[:1] == b"C" and message[5:].startswith(b"COMMIT"):
                    armed = False
                    writer.write(out)
                    await writer.drain()
                    on_drop()
                    return
                out += message
            writer.write(out)
            await writer.drain()
    except (ConnectionError, asyncio.CancelledError):
        pass
    finally:
        writer.close()


async def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--socket", required=True, help="PostgreSQL's Unix socket file")
    args = parser.parse_args()

    async def handle(client_reader, client_writer):
        server_reader, server_writer = await asyncio.open_unix_connection(args.socket)

        def dropped():
            print("dropped", flush=True)
            server_writer.close()
            client_writer.close()

        await asyncio.gather(pipe_client_to_server(client_reader, server_writer),
                             pipe_server_to_client(server_reader, client_writer, dropped))

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    print(f"port {server.sockets[0].getsockname()[1]}", flush=True)

    async def commands():
        global armed
        loop = asyncio.get_running_loop()
        while line := await loop.run_in_executor(None, sys.stdin.readline):
            if line.strip() == "arm":
                armed = True
                print("armed", flush=True)

    await commands()  # ends when standard input closes


if __name__ == "__main__":
    asyncio.run(main())
