"""Text stages: a raw file becomes a cleaned, simplified, identified expression; expressions group into works; a work gets its outline.

    read → clean → script → identify → group → segment
"""
