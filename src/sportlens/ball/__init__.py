"""ball"""
