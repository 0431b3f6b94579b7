#!/usr/bin/env python3
"""A local HTTP server for the weights-download tests; listens on 127.0.0.1 only and prints its port.

  /files/NAME      the file, with Range support (206 for `bytes=N-`)
  /truncate/NAME   the first request sends half the file and drops the connection; later ones act as /files
  /error/NAME      HTTP 500
  /stall/NAME      sends half the file, then nothing for 60 s with the connection open
Usage: weights_server.py ROOT  (stops when its standard input closes)
"""
import http.server, os, sys, threading, time

ROOT = sys.argv[1]
truncated = set()

class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def do_HEAD(self):
        mode, _, name = self.path.strip("/").partition("/")
        path = os.path.join(ROOT, os.path.basename(name))
        ok = mode != "error" and os.path.isfile(path)
        self.send_response(200 if ok else 500)
        self.send_header("Content-Length", str(os.path.getsize(path)) if ok else "0")
        self.end_headers()

    def do_GET(self):
        mode, _, name = self.path.strip("/").partition("/")
        path = os.path.join(ROOT, os.path.basename(name))
        if mode == "error" or not os.path.isfile(path):
            self.send_response(500 if mode == "error" else 404)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        data = open(path, "rb").read()
        if mode == "truncate" and name not in truncated:
            truncated.add(name)
            self.send_response(200)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data[: len(data) // 2])
            self.wfile.flush()
            self.close_connection = True
            self.connection.shutdown(2)
            return
        if mode == "stall":
            self.send_response(200)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data[: len(data) // 2])
            self.wfile.flush()
            time.sleep(60)
            return
        start = 0
        header = self.headers.get("Range", "")
        if header.startswith("bytes=") and header.endswith("-"):
            start = int(header[6:-1])
            if start >= len(data):
                self.send_response(416)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            self.send_response(206)
            self.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
        else:
            self.send_response(200)
        self.send_header("Content-Length", str(len(data) - start))
        self.end_headers()
        self.wfile.write(data[start:])

server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
print(server.server_address[1], flush=True)
threading.Thread(target=server.serve_forever, daemon=True).start()
sys.stdin.read()
server.shutdown()
