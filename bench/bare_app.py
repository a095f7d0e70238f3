"""A bare Flask JSON route, served like desa, as the yardstick for request throughput."""

from flask import Flask, jsonify

app = Flask(__name__)


@app.get("/api/v1/residents/<nik>")
def lookup(nik: str):
    return jsonify(nik=nik, name="SITI AMINAH", rt="002", rw="001")
