"""Quick, Draw!: the dataset's formats and `to_bitmap`, its source (ranged reads and a local
cache), statistics, stroke replay, training a doodle classifier (queue and worker processes),
Pictionary's rules and the canvas's strokes."""
