"""Views of the partner API: validate, call one service, render the GSMA shape."""
