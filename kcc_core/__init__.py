"""The ground floor shared by every KCC command: one exit-code table, one way to run async code from sync
code, and the click group that turns library errors into one readable line. Imports no other KCC package."""
