// Entry point filled in by the LocalKms issue.
return 0;
