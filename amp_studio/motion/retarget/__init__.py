"""Retargeting BVH motion capture onto the character: what the source skeleton is (its landmarks, up axis and
unit), how its motion maps onto the character's bodies, and the frames that result."""
