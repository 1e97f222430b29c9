"""Accounts: users, roles, registration, sign-in."""
