"""Uploaded files, for every part of the platform that keeps them (the gateway, which receives
them, and the services that record them; today the assessment's evidence).

- ``blobs``: the content-addressed store interface and the local-directory implementation;
- ``s3``: the same interface over S3-compatible object storage;
- ``settings``: which store a process uses, and the upload limits, from its config;
- ``filetypes``: what a file is, judged by its bytes, never by its name;
- ``pdf_signatures``: what the digital signatures of a PDF say.

Plain Python: nothing here imports nameko or eventlet.
"""
