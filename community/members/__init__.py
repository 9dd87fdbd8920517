"""Members: sign-up, email proof, login, password reset, profile, roles."""
