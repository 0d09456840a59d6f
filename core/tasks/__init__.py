"""The vision tasks of the lesson: each task's run function and typed result (classification,
detection and its metrics, depth, segmentation), the images they take, their charts and the
code a student can copy."""
