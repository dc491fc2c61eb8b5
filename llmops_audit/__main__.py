from llmops_audit.cli import main

main()
