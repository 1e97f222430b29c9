"""Cohorts (学ぶ会): study groups, membership and invites, study sessions, the mentor's review."""
