-- Runs once, when the postgres volume is first initialised (docker-entrypoint-initdb.d):
-- one database per service, each owned by the application role (POSTGRES_USER, tcpl).
-- Adding a database later needs a manual CREATE DATABASE, or a fresh volume.
CREATE DATABASE assessment OWNER tcpl;
CREATE DATABASE plans OWNER tcpl;
CREATE DATABASE publication OWNER tcpl;
CREATE DATABASE survey OWNER tcpl;
CREATE DATABASE accounts OWNER tcpl;
