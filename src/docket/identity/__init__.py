"""Who may use Docket: users, their roles and field offices, passwords, one-time codes, sessions."""
