"""The event-sourcing kernel every TCPL service builds on.

Plain Python over SQLAlchemy and py-amqp; the nameko adapters live in ``kernel.nameko``
so that domain code and unit tests never need a broker or a container.
"""
