"""Extensions observe the crawl."""
