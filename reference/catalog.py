"""The sample catalog: parts with their prices, per category, and the technicians with
their skills and regions. Pure data."""

from models.domain import Category

CURRENCY = "CNY"

# part number -> (name, unit price in CNY), per category
PARTS: dict[Category, dict[str, tuple[str, str]]] = {
    Category.WASHER: {
        "WSH-DRAIN-PUMP": ("Drain pump", "168.00"),
        "WSH-DOOR-SEAL": ("Door seal gasket", "126.00"),
        "WSH-DOOR-LOCK": ("Door lock assembly", "98.00"),
        "WSH-INLET-VALVE": ("Water inlet valve", "85.00"),
        "WSH-DRIVE-BELT": ("Drive belt", "58.00"),
        "WSH-DRUM-BEARING": ("Drum bearing and seal kit", "195.00"),
        "WSH-MAIN-PCB": ("Main control board", "420.00"),
        "WSH-MOTOR": ("Direct-drive motor", "680.00"),
    },
    Category.FRIDGE: {
        "FRG-COMPRESSOR": ("Compressor", "980.00"),
        "FRG-THERMOSTAT": ("Thermostat", "75.00"),
        "FRG-TEMP-SENSOR": ("Temperature sensor", "45.00"),
        "FRG-DEFROST-HEATER": ("Defrost heater", "110.00"),
        "FRG-EVAP-FAN": ("Evaporator fan motor", "135.00"),
        "FRG-DOOR-GASKET": ("Door gasket", "120.00"),
        "FRG-MAIN-PCB": ("Main control board", "460.00"),
    },
    Category.AIR_CONDITIONER: {
        "AC-COMPRESSOR": ("Inverter compressor", "1580.00"),
        "AC-CAPACITOR": ("Run capacitor", "48.00"),
        "AC-FAN-MOTOR": ("Outdoor fan motor", "320.00"),
        "AC-PCB-INDOOR": ("Indoor unit control board", "380.00"),
        "AC-EXP-VALVE": ("Electronic expansion valve", "260.00"),
        "AC-DRAIN-PUMP": ("Condensate drain pump", "145.00"),
        "AC-R32-KG": ("R32 refrigerant recharge, per kg", "150.00"),
        "AC-REMOTE": ("Remote control", "60.00"),
    },
    Category.TV: {
        "TV-PANEL-55": ("55-inch display panel", "2380.00"),
        "TV-MAIN-BOARD": ("Main board", "560.00"),
        "TV-POWER-BOARD": ("Power supply board", "320.00"),
        "TV-TCON": ("T-con board", "240.00"),
        "TV-LED-STRIP": ("LED backlight strip set", "260.00"),
        "TV-REMOTE": ("Voice remote control", "89.00"),
    },
    Category.PHONE: {
        "PHN-SCREEN": ("OLED screen assembly", "1199.00"),
        "PHN-BATTERY": ("Battery", "269.00"),
        "PHN-CHARGE-PORT": ("Charging port flex cable", "159.00"),
        "PHN-REAR-CAMERA": ("Rear camera module", "599.00"),
        "PHN-BACK-GLASS": ("Back glass", "329.00"),
        "PHN-SPEAKER": ("Loudspeaker", "119.00"),
    },
    Category.LAPTOP: {
        "LTP-SCREEN-14": ("14-inch display panel", "1280.00"),
        "LTP-BATTERY": ("Battery pack", "499.00"),
        "LTP-KEYBOARD": ("Keyboard", "360.00"),
        "LTP-SSD-512": ("512 GB NVMe SSD", "399.00"),
        "LTP-FAN": ("Cooling fan", "149.00"),
        "LTP-HINGE": ("Hinge set", "180.00"),
        "LTP-CHARGER": ("65 W USB-C charger", "199.00"),
        "LTP-MAINBOARD": ("Mainboard", "2680.00"),
    },
}

W, F, AC, TV, PH, LT = (
    Category.WASHER,
    Category.FRIDGE,
    Category.AIR_CONDITIONER,
    Category.TV,
    Category.PHONE,
    Category.LAPTOP,
)
# id -> (name, skills, region)
TECHNICIANS: dict[str, tuple[str, list[Category], str]] = {
    "T-001": ("Zhang Wei", [W, F, AC], "Shanghai-Pudong"),
    "T-002": ("Li Na", [TV, PH, LT], "Shanghai-Xuhui"),
    "T-003": ("Wang Qiang", [AC, F], "Shanghai-Minhang"),
    "T-004": ("Liu Yang", [W, TV], "Beijing-Chaoyang"),
    "T-005": ("Chen Jing", [PH, LT], "Shenzhen-Nanshan"),
    "T-006": ("Zhao Lei", [W, F, AC, TV], "Hangzhou-Xihu"),
}
# open cases a technician can hold at once, where it is not models.tables.DEFAULT_CAPACITY:
# bench work on small devices goes faster than house calls
CAPACITY: dict[str, int] = {"T-002": 8, "T-005": 8}

# the common faults of each category, for counting them: code -> (English, Chinese)
FAULT_CODES: dict[Category, dict[str, tuple[str, str]]] = {
    W: {
        "WSH-NO-DRAIN": ("Does not drain", "不排水"),
        "WSH-NO-SPIN": ("Drum does not spin", "不脱水/滚筒不转"),
        "WSH-LEAK": ("Leaks water", "漏水"),
        "WSH-NO-POWER": ("Does not power on", "不通电"),
        "WSH-NOISE": ("Loud noise or vibration", "噪音大/振动"),
        "WSH-DOOR": ("Door does not lock or open", "门锁故障"),
        "WSH-ERROR-CODE": ("Shows an error code", "显示故障代码"),
    },
    F: {
        "FRG-NOT-COLD": ("Does not cool", "不制冷"),
        "FRG-FROST": ("Frost build-up", "结霜严重"),
        "FRG-LEAK": ("Leaks water", "漏水"),
        "FRG-NOISE": ("Loud noise", "噪音大"),
        "FRG-NO-POWER": ("Does not power on", "不通电"),
        "FRG-DOOR-SEAL": ("Door does not seal", "门封不严"),
    },
    AC: {
        "AC-NOT-COLD": ("Does not cool or heat", "不制冷/不制热"),
        "AC-LEAK": ("Leaks water indoors", "室内机漏水"),
        "AC-NOISE": ("Loud noise", "噪音大"),
        "AC-NO-POWER": ("Does not power on", "不通电"),
        "AC-ERROR-CODE": ("Shows an error code", "显示故障代码"),
        "AC-REFRIGERANT": ("Refrigerant leak", "缺氟/冷媒泄漏"),
    },
    TV: {
        "TV-NO-PICTURE": ("No picture", "无图像"),
        "TV-NO-POWER": ("Does not power on", "不开机"),
        "TV-LINES": ("Lines or spots on screen", "屏幕有线/斑点"),
        "TV-NO-SOUND": ("No sound", "无声音"),
        "TV-REMOTE": ("Remote does not work", "遥控失灵"),
    },
    PH: {
        "PHN-SCREEN-BROKEN": ("Broken screen", "屏幕碎裂"),
        "PHN-BATTERY": ("Battery drains or swells", "电池续航差/鼓包"),
        "PHN-NO-CHARGE": ("Does not charge", "无法充电"),
        "PHN-CAMERA": ("Camera fault", "摄像头故障"),
        "PHN-NO-BOOT": ("Does not start", "无法开机"),
        "PHN-WATER": ("Water damage", "进水"),
    },
    LT: {
        "LTP-NO-BOOT": ("Does not start", "无法开机"),
        "LTP-SCREEN": ("Screen fault", "屏幕故障"),
        "LTP-BATTERY": ("Battery does not hold charge", "电池不续航"),
        "LTP-KEYBOARD": ("Keyboard fault", "键盘故障"),
        "LTP-OVERHEAT": ("Overheats", "过热"),
        "LTP-DISK": ("Disk failure", "硬盘故障"),
    },
}
