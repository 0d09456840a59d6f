"""Vision Tasks Lab core: plain Python that the pages compose and the tests call."""
