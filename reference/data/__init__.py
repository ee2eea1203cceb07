# A package only so that setuptools ships the JSON files below it (package-data globs apply
# per package); there is no code here.
