"""The nightly run over an inbox of project folders: find, lock, scan, record, deliver."""
