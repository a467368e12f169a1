//! Exit codes of DESIGN.md, the contract cron jobs and wrappers branch on.
